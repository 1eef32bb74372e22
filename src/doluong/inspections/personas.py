from doluong.core.personas import Persona

from .permissions import COMMUNE_INSPECTOR_ROLE, PROVINCE_INSPECTOR_ROLE

#: the inspections app's demo logins (created by its demo builder): a commune inspector, who carries out the
#: commune's inspections, and a province inspector of the Department, who plans the campaigns and picks the
#: trained team leaders
PERSONAS = [
    Persona(
        "ct.kiemtra",
        "Trương Văn Hậu",
        COMMUNE_INSPECTOR_ROLE,
        "92",
        "ct-commune",
        "Cán bộ kiểm tra đo lường, UBND Phường Ninh Kiều (Cần Thơ)",
    ),
    Persona(
        "ct.thanhtra",
        "Mai Thị Bích Ngọc",
        PROVINCE_INSPECTOR_ROLE,
        "92",
        "ct-dost",
        "Cán bộ kiểm tra nhà nước về đo lường, Sở KH&CN Cần Thơ",
    ),
]
