def build(ctx):
    from doluong.parties.demo import login

    from .personas import PERSONAS

    for persona in PERSONAS:
        login(ctx, persona)
    return {"plugin rows": 0, "plugin logins": len(PERSONAS)}
