from doluong.core.personas import Persona

#: the assurance app's demo logins (created by its demo builder)
PERSONAS = [
    Persona(
        "ct.chatluong",
        "Lâm Thị Ngọc Hân",
        "enterprise_user",
        "92",
        "ct-food",
        "Quản lý chất lượng, doanh nghiệp chế biến thực phẩm (Cần Thơ)",
    ),
]
