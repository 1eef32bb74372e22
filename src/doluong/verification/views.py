from doluong.core.surface import Surface

SURFACES: list[Surface] = []
