def build(ctx):
    return {"plugin rows": 0}
