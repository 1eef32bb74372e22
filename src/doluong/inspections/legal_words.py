"""The English words of the sanction table's research notes (data/sanctions.csv: legal basis, article, behaviour)
as a Vietnamese page or record shows them; the rows themselves keep the words of their sources."""

#: the sanction table's research notes are partly in English (data/sanctions.csv): the words a Vietnamese record
#: shows instead, in this order
LEGAL_WORDS = (
    ("as amended by", "được sửa đổi, bổ sung bởi"),
    ("eff. ", "hiệu lực "),
    ("consolidated", "hợp nhất"),
    ("(original 2017 wording quoted)", "(trích nguyên văn năm 2017)"),
    ("amendments not checked", "chưa đối chiếu các sửa đổi"),
    ("(article not identified)", "(chưa xác định điều)"),
    ("fuel possibly also", "xăng dầu có thể theo"),
    ("(petroleum trading)", "(kinh doanh xăng dầu)"),
    ("(next band(s))", "(các khung tiếp theo)"),
    (" and the specific acts", " và các hành vi cụ thể"),
    ("bands above", "các khung trên"),
    (
        "broken seal/stamp, out-of-limit error, tampering",
        "phá niêm phong/tem, sai số vượt giới hạn, can thiệp",
    ),
    ("Art. ", "Điều "),
)


def vi_legal(text: str) -> str:
    """`text` of the sanction table with its English research words in Vietnamese (LEGAL_WORDS)."""
    for en, vi in LEGAL_WORDS:
        text = text.replace(en, vi)
    return text
