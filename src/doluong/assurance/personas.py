from doluong.core.personas import Persona

from .permissions import QUALITY_MANAGER_ROLE

#: the assurance app's demo logins (created by its demo builder)
PERSONAS = [
    Persona(
        "ct.chatluong",
        "Lâm Thị Ngọc Hân",
        QUALITY_MANAGER_ROLE,
        "92",
        "ct-food",
        "Quản lý chất lượng, doanh nghiệp chế biến thực phẩm (Cần Thơ)",
    ),
]
