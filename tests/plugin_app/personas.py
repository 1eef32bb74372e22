from doluong.core.personas import Persona

#: a login the example app adds to the demo (created by its demo builder)
PERSONAS = [
    Persona("ct.plugin", "Ngô Văn Thử", "enterprise_user", "92", "ct-water", "Người dùng của ứng dụng ví dụ"),
]
