from doluong.core.personas import Persona

from .permissions import CONSULTANT_ROLE, QUALITY_MANAGER_ROLE

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
    # the consultant of the technical centre, assigned by the province to the demo enterprises of Cần Thơ
    Persona(
        "ct.tuvan",
        "Phạm Quốc Bảo",
        CONSULTANT_ROLE,
        "92",
        "ct-provider",
        "Chuyên gia tư vấn Chương trình đảm bảo đo lường, TTKT TĐC Cần Thơ (tư vấn doanh nghiệp Cần Thơ)",
    ),
]
