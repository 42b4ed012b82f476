"""The ranking as .xlsx (openpyxl): one row per school with its score and each indicator's raw
value, normalised score and contribution, and a sheet with the weights. Text cells pass
schools.spreadsheets.neutralise (no formula injection)."""

import io

from openpyxl import Workbook

from oversight.evaluation import scoring
from schools.spreadsheets import neutralise


def _number(value):
    return "" if value is None else float(value)


def ranking_xlsx(*, region, term_label: str, result: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "排名"
    headers = ["名次", "学校", "学校标识码", "区县", "总分"]
    for indicator in scoring.INDICATORS:
        name = str(indicator.label)
        headers += [f"{name}（原始值）", f"{name}（得分）", f"{name}（贡献）"]
    sheet.append(headers)
    for row in result["rows"]:
        school = row["school"]
        cells = [row["rank"], neutralise(school.name), school.identifier, neutralise(school.region.name)]
        cells.append(float(row["score"]))
        for part in row["breakdown"]:
            cells += [_number(part["raw"]), float(part["normalised"]), float(part["contribution"])]
        sheet.append(cells)
    weights = book.create_sheet("权重")
    weights.append(["地区", neutralise(region.name)])
    weights.append(["学期", neutralise(term_label)])
    weights.append(["指标", "权重（%）"])
    for indicator in scoring.INDICATORS:
        weights.append([str(indicator.label), result["weights"][indicator.key]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
