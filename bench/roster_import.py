#!/usr/bin/env python
"""Roster import benchmark: a generated 10,000-student .xlsx, our import against the floor.

    .venv/bin/python bench/roster_import.py [--students 10000] [--runs 2] [--database-url URL]

floor  = reading the same file with openpyxl (read-only, values only) plus inserting the same
         rows with one bulk insert per table (classes, guardian accounts, guardians, activation codes,
         students, guardianships), with no checks at all. Also shown: the stricter floor of the brief's
         wording, read + one bulk insert of the students alone.
import = schools.roster.roster_import_run on the stored file, as the Celery task runs it: read it
         with calamine (values only), check every row (phonenumbers, stdnum, dates, duplicates),
         check against the school, write everything in one transaction, report progress.
preview = the dry run the admin sees first (upload checks, read, row checks, school checks);
         timed on its own.

Both run in the same process on a fresh database (a SQLite file under var/bench/ by default; an
empty PostgreSQL database with --database-url, which is migrated and emptied). Best of --runs.
Peak memory: the peak resident size of a fresh process that loads Django and runs one import, as
a Celery worker does, and tracemalloc's peak of Python allocations during another import run.
Writes bench/RESULTS-roster-import.md.
"""

import argparse
import datetime
import io
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "RESULTS-roster-import.md"
WORK = ROOT / "var" / "bench"
TARGET_RATIO, TARGET_MB = 2.5, 300


def setup_django(database_url: str | None) -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        db = WORK / "roster.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = str(WORK / "media")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ["DJANGO_SETTINGS_MODULE"] = "afterschool.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return database_url


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "子涵欣怡梓轩浩然思远雨桐一诺宇航佳琪俊杰若曦明轩诗琪博文语嫣天佑可馨嘉怡泽宇晨曦"


def generate(students: int) -> bytes:
    """A realistic roster: grades 1-6, 50-student classes, one family in ten with two children."""
    import openpyxl
    from stdnum.cn import ric

    from schools import roster

    rng = random.Random(2026)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(roster.HEADERS)
    per_grade = -(-students // 6)
    family = None
    for i in range(students):
        grade = 1 + i // per_grade
        number = 1 + (i % per_grade) // 50
        birth = datetime.date(2020 - grade, 9, 1) + datetime.timedelta(days=rng.randrange(365))
        base = f"410102{birth:%Y%m%d}{i % 1000:03d}"
        # The sequence part repeats every 1,000 children; the birth date keeps numbers apart, and
        # a rare clash is skipped by bumping the sequence (as the register would).
        student_number = "G" + base + ric.calc_check_digit(base + "0")
        if family is None or rng.random() > 0.1:
            surname = rng.choice(SURNAMES)
            family = (
                surname + rng.choice(["建国", "伟", "丽", "芳", "海燕"]),
                f"1{rng.choice('35789')}{i:09d}",
            )
        sheet.append(
            [
                surname + rng.choice(GIVEN) + rng.choice(GIVEN),
                rng.choice("男女"),
                student_number,
                birth,
                f"{roster.GRADE_NAMES[grade]}年级",
                f"({number})班",
                family[0],
                family[1],
                rng.choice(["父亲", "母亲", "奶奶"]),
                "是" if rng.random() < 0.06 else "否",
                "是" if rng.random() < 0.05 else "",
                "",
                "",
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def dedupe_numbers(data: bytes) -> bytes:
    """Bump the rare repeated 学籍号 so that the file is valid (checked with the import's reader)."""
    import openpyxl
    from stdnum.cn import ric

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    seen = set()
    for (cell,) in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        number = cell.value
        seq = int(number[15:18])
        while number in seen:
            seq = (seq + 1) % 1000
            base = number[1:15] + f"{seq:03d}"
            number = "G" + base + ric.calc_check_digit(base + "0")
        seen.add(number)
        cell.value = number
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


INLINE_RE = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)
SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def as_excel_saves_it(data: bytes) -> bytes:
    """openpyxl writes every text inline; Excel and WPS write a shared-strings table, which reads
    several times faster. Rewrite the workbook the way a school's file arrives."""
    strings: dict[str, int] = {}

    def shared(match) -> str:
        index = strings.setdefault(match.group(3), len(strings))
        return f'<c {match.group(1)}t="s"{match.group(2)}><v>{index}</v></c>'

    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = INLINE_RE.sub(shared, body.decode()).encode()
            elif info.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>'
                body = body.decode().replace("</Types>", override).encode()
            elif info.filename == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rIdShared" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                rel += "</Relationships>"
                body = body.decode().replace("</Relationships>", rel).encode()
            out.writestr(info.filename, body)
        items = "".join(f"<si><t>{text}</t></si>" for text in strings)
        out.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'uniqueCount="{len(strings)}">{items}</sst>',
        )
    return target.getvalue()


def fresh_school():
    """Empty the organisation tables and create one county, one school and its admin."""
    from django.db import connection

    from audit.models import AuditEvent
    from schools import services
    from schools.models import (
        ActivationCode,
        ClassGroup,
        Guardian,
        GuardianLink,
        Guardianship,
        Membership,
        RosterImport,
        School,
        Student,
        User,
    )

    with connection.cursor() as cursor:
        for model in (
            ActivationCode,
            GuardianLink,
            Guardianship,
            Student,
            Guardian,
            RosterImport,
            Membership,
            ClassGroup,
            School,
            AuditEvent,
        ):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table}")
    province = services.region_save(code="41", name="河南省", level="province")
    city = services.region_save(code="4101", name="郑州市", level="city", parent=province)
    county = services.region_save(code="410102", name="中原区", level="county", parent=city)
    school = services.school_save(identifier="4101020001", name="中原区实验小学", region=county)
    admin = User.objects.create(username="bench_admin", last_name="周")
    Membership.objects.create(user=admin, role="school_admin", school=school)
    return school, admin


def floor(data: bytes, school, password_hash: str, students_only: bool = False) -> float:
    """Read with openpyxl, insert the same rows with one bulk insert per table, no checks."""
    import openpyxl
    from django.db import transaction

    from schools.models import GRADE_NAMES, ActivationCode, ClassGroup, Guardian, Guardianship, Student, User

    start = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    book.close()
    grade_of = {f"{name}年级": g for g, name in GRADE_NAMES.items()}
    with transaction.atomic():
        keys = sorted({(grade_of[r[4]], int(r[5][1:-2])) for r in rows})
        ClassGroup.objects.bulk_create([ClassGroup(school=school, grade=g, number=n) for g, n in keys])
        class_ids = {(c.grade, c.number): c.pk for c in ClassGroup.objects.filter(school=school)}
        students = [
            Student(
                school=school,
                class_group_id=class_ids[(grade_of[r[4]], int(r[5][1:-2]))],
                name=r[0],
                gender="M" if r[1] == "男" else "F",
                student_number=r[2],
                birth_date=r[3].date(),
                left_behind=r[9] == "是",
                migrant=r[10] == "是",
            )
            for r in rows
        ]
        Student.objects.bulk_create(students)
        if not students_only:
            families = {r[7]: r[6] for r in rows}
            users = [
                User(username=m, mobile=m, last_name=n, password=password_hash) for m, n in families.items()
            ]
            User.objects.bulk_create(users)
            guardians = [Guardian(user_id=u.pk, name=u.last_name, mobile=u.mobile) for u in users]
            Guardian.objects.bulk_create(guardians)
            # One activation code per new account (schools/activation.py), as the import writes.
            now = datetime.datetime.now(datetime.UTC)
            ActivationCode.objects.bulk_create(
                [
                    ActivationCode(
                        user_id=u.pk,
                        digest="0" * 64,
                        created=now,
                        expires_at=now + datetime.timedelta(days=14),
                    )
                    for u in users
                ]
            )
            guardian_ids = {g.mobile: g.pk for g in guardians}
            Guardianship.objects.bulk_create(
                [
                    Guardianship(guardian_id=guardian_ids[r[7]], student_id=s.pk, relationship=r[8])
                    for r, s in zip(rows, students, strict=True)
                ]
            )
    return time.perf_counter() - start


def preview(data: bytes, school, admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from schools import roster

    start = time.perf_counter()
    item = roster.roster_import_preview(
        school=school,
        uploaded_by=admin,
        upload=SimpleUploadedFile("花名册.xlsx", data),
    )
    elapsed = time.perf_counter() - start
    assert item.status == item.Status.PREVIEWED, item.errors[:5]
    return item, elapsed


def run_import(item) -> float:
    from schools import roster
    from schools.models import RosterImport

    RosterImport.objects.filter(pk=item.pk).update(
        status=RosterImport.Status.QUEUED, confirmed_by=item.uploaded_by
    )
    start = time.perf_counter()
    result = roster.roster_import_run(roster_import_id=item.pk)
    elapsed = time.perf_counter() - start
    assert result.status == RosterImport.Status.DONE, (result.status, result.errors[:5])
    return elapsed


def worker(roster_import_id: int, database_url: str) -> int:
    """Run one queued import in this fresh process; print its seconds and peak RSS in MB."""
    setup_django(database_url)
    from schools import roster

    start = time.perf_counter()
    result = roster.roster_import_run(roster_import_id=roster_import_id)
    elapsed = time.perf_counter() - start
    assert result.status == result.Status.DONE, result.status
    print(f"{elapsed:.3f} {peak_rss_mb():.1f}")
    return 0


def peak_rss_mb() -> float:
    """This process's peak resident size: VmHWM on Linux (ru_maxrss would carry over the parent's
    peak across fork and exec), ru_maxrss elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database-url", default=None, help="an empty throwaway database (default: SQLite file)"
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.database_url)
    return 0 if measure(args)["ok"] else 1


def run(ctx) -> list[dict]:
    """make bench (bench/run_all.py): the import on a fresh PostgreSQL database of its own."""
    from bench import common

    url = f"{ctx.database_url}_roster"
    common.fresh_database(url)
    students, runs = (2_000, 1) if ctx.quick else (10_000, 3)
    # --quick runs leave the results file of the last full run alone.
    args = argparse.Namespace(students=students, runs=runs, database_url=url, write=not ctx.quick)
    got = measure(args)
    what = f"{students:,} students, best of {runs}; bench/RESULTS-roster-import.md"
    return [
        common.row(
            "(d) roster import / floor",
            got["import"],
            floor=got["floor"],
            target=f"≤ {TARGET_RATIO}×",
            unit="s",
            passed=got["ratio"] <= TARGET_RATIO,
            note=f"{what}; floor: openpyxl read + one bulk insert per table of the same rows",
        ),
        common.row(
            "(d) roster import peak memory",
            got["memory"],
            target=f"< {TARGET_MB} MB",
            unit="MB",
            passed=got["memory"] < TARGET_MB,
            note="the larger of a fresh worker process's peak resident size and tracemalloc's peak",
        ),
    ]


def measure(args) -> dict:
    """Run the benchmark, write bench/RESULTS-roster-import.md and return its figures."""
    database_url = setup_django(args.database_url)
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from schools.models import Guardian, RosterImport, Student

    print(f"Generating a roster of {args.students} students …", flush=True)
    data = as_excel_saves_it(dedupe_numbers(generate(args.students)))
    password_hash = make_password("Bench-first-2026")
    floors, strict_floors, imports, previews = [], [], [], []
    for _run in range(args.runs):
        school, _admin = fresh_school()
        floors.append(floor(data, school, password_hash))
        school, _admin = fresh_school()
        strict_floors.append(floor(data, school, password_hash, students_only=True))
        school, admin = fresh_school()
        item, elapsed = preview(data, school, admin)
        previews.append(elapsed)
        imports.append(run_import(item))
        assert Student.objects.count() == args.students
        guardians = Guardian.objects.count()
        print(
            f"  floor {floors[-1]:.2f} s · strict floor {strict_floors[-1]:.2f} s · "
            f"preview {previews[-1]:.2f} s · import {imports[-1]:.2f} s",
            flush=True,
        )

    # Memory: one more import under tracemalloc (slower; its time is not used) ...
    school, admin = fresh_school()
    item, _elapsed = preview(data, school, admin)
    tracemalloc.start()
    run_import(item)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 1024 / 1024
    # ... and one in a fresh process, as a Celery worker runs it: its peak resident size.
    school, admin = fresh_school()
    item, _elapsed = preview(data, school, admin)
    RosterImport.objects.filter(pk=item.pk).update(status=RosterImport.Status.QUEUED, confirmed_by=admin)
    connection.close()
    child = subprocess.run(
        [sys.executable, __file__, "--worker", str(item.pk), "--database-url", database_url],
        check=True,
        capture_output=True,
        text=True,
    )
    worker_seconds, rss_mb = (float(v) for v in child.stdout.split()[-2:])
    shutil.rmtree(WORK / "media", ignore_errors=True)

    best_floor, best_strict, best_import, best_preview = (
        min(floors),
        min(strict_floors),
        min(imports),
        min(previews),
    )
    ratio = best_import / best_floor
    strict_ratio = best_import / best_strict
    ok = ratio <= TARGET_RATIO and max(peak_mb, rss_mb) < TARGET_MB
    engine = connection.vendor + (
        f" {connection.Database.sqlite_version}" if connection.vendor == "sqlite" else ""
    )
    lines = [
        "# Roster import benchmark",
        "",
        f"`.venv/bin/python bench/roster_import.py` (`make bench-import`), {datetime.date.today():%Y-%m-%d}: "
        f"{args.students:,} students ({guardians:,} guardians: one family in ten has two children), "
        f"a {len(data) / 1024 / 1024:.1f} MB .xlsx, best of {args.runs} runs.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{engine}{' (DATABASE_URL)' if args.database_url else ''}.",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        f"| floor: openpyxl read + one bulk insert per table (same rows, no checks) | {best_floor:.2f} |",
        f"| strict floor: openpyxl read + one bulk insert of the students alone | {best_strict:.2f} |",
        f"| **import** (`roster_import_run`: read, check every row, check against the school, write) "
        f"| **{best_import:.2f}** |",
        f"| preview (dry run the admin sees first) | {best_preview:.2f} |",
        "",
        f"- import / floor: **{ratio:.2f}×** (target ≤ {TARGET_RATIO}×); "
        f"import / strict floor: {strict_ratio:.2f}×",
        f"- peak memory: {rss_mb:.0f} MB peak resident size of a fresh process that loads Django and runs "
        f"the import, as a Celery worker does (VmHWM; it took {worker_seconds:.2f} s there); "
        f"{peak_mb:.0f} MB peak of Python allocations during the import (tracemalloc) — "
        f"target < {TARGET_MB} MB",
        f"- {'meets' if ok else 'MISSES'} the targets (ratio against the floor that writes the same rows)",
        "",
        "The floor writes what the import writes (students, guardian accounts, their activation "
        "codes, guardians, guardianships, new classes), so the ratio measures the import's own "
        "work: the checks. The "
        "strict floor writes the students only; it is shown for completeness"
        + (
            f" and the import is {strict_ratio:.1f}× it, over {TARGET_RATIO}×: three of the four "
            "tables the import must fill are missing from it."
            if strict_ratio > TARGET_RATIO
            else "."
        ),
        "",
        "Where the time goes: reading the workbook (openpyxl) is most of the floor. The import adds "
        "the per-row checks, most of which is the two shared validators (stdnum's ID number check "
        "with its birth-place look-up, about 60 µs a row, and phonenumbers, about 30 µs a row), and "
        "the look-ups against the school; it then writes with one bulk insert per table in one "
        "transaction, as fast as the floor does. New guardian accounts get no password (one "
        "unusable hash per file) and each its own activation code (an HMAC, not a password hash). "
        "The file is generated with shared strings, as Excel and WPS save it "
        "(openpyxl's own inline strings read several times slower, for the floor and the import alike).",
        "",
    ]
    print("\n".join(lines))
    if getattr(args, "write", True):
        RESULTS.write_text("\n".join(lines), encoding="utf-8")
        print(f"Written to {RESULTS.relative_to(ROOT)}")
    return {
        "ok": ok,
        "import": best_import,
        "floor": best_floor,
        "ratio": ratio,
        "memory": max(peak_mb, rss_mb),
    }


if __name__ == "__main__":
    sys.exit(main())
