def load(stdout=None):
    return "0 plugin rows"
