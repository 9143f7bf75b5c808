"""Large synthetic registry files in the standard template, for benchmarks and crash tests.

``registry_generate`` writes ``households.csv``, ``members.csv`` and ``incomes.csv`` (UTF-8 with
BOM, template headers) describing fake households in the demo villages: about 3.3 members per
household with valid, unique ID numbers, consistent attributes (一般农户 ⇔ 非贫困户, exit year not
before identification) and one income row each. Everything is computed over whole columns with
polars; randomness is a seeded hash of the row number, so the same seed gives the same files.
ID numbers use address codes of the neighbouring districts (411102, 411104, 411121, 411122), never
411103, so generated people never collide with the demo county's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from django.db import models

from fupin.areas.models import Area
from fupin.core.imports.checks import check_character_expr
from fupin.core.output import csv_write_frame
from fupin.registry import codes, template

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国华军平明红英秀兰玉梅丽强伟刚勇杰涛磊芳娟敏静燕霞桂凤海波峰志成春雪冬晨宇浩然欣怡子涵梓轩一诺思远佳豪雨萱"
ADDRESS_CODES = ("411121", "411122", "411102", "411104")
PREFIX = "GEN"
REFERENCE_DAY = date(2019, 12, 31)
INCOME_YEAR = 2019
SEQUENCES_PER_SEX = 500


@dataclass(frozen=True)
class GenerateResult:
    households: int
    members: int
    incomes: int
    paths: tuple[Path, Path, Path]


class _Random:
    """Seeded pseudo-random columns: a hash of the row number, one salt per use."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.salt = 0

    def ints(self, modulo: int, index: str = "i") -> pl.Expr:
        self.salt += 1
        return (pl.col(index).hash(seed=self.seed * 7919 + self.salt) % modulo).cast(pl.Int64)

    def choice(self, weighted: list[tuple[str | None, int]], index: str = "i") -> pl.Expr:
        pool: dict[int, str | None] = {}
        for value, weight in weighted:
            for _ in range(weight):
                pool[len(pool)] = value
        return self.ints(len(pool), index).replace_strict(pool, return_dtype=pl.String)

    def chance(self, percent: int, index: str = "i") -> pl.Expr:
        return self.ints(100, index) < percent


def _yes_no(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit("是")).otherwise(pl.lit("否"))


def _labels(choices: type[models.TextChoices], weights: list[int]) -> list[tuple[str | None, int]]:
    return [(str(label), w) for label, w in zip(choices.labels, weights, strict=True)]


def demo_village_codes() -> list[str]:
    villages = Area.objects.filter(level="village", valid_to__isnull=True)
    named = list(villages.filter(name__contains="村民委员会").order_by("code").values_list("code", flat=True))
    return named or list(villages.order_by("code").values_list("code", flat=True))


def registry_generate(out_dir: Path, *, households: int, seed: int = 2018,
                      villages: list[str] | None = None) -> GenerateResult:
    villages = villages or demo_village_codes()
    if not villages:
        raise RuntimeError("平台中还没有村级行政区划，请先运行 fupin seed-reference / no villages: run "
                           "fupin seed-reference first")
    rnd = _Random(seed)
    house = _households(households, villages, rnd)
    members = _members(house, rnd)
    heads = members.filter(pl.col("与户主关系") == "户主").select("户编号", pl.col("身份证号").alias("户主身份证号"))
    house = house.join(heads, on="户编号", how="left")
    incomes = _incomes(house, rnd)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for sheet, frame in ((template.HOUSEHOLDS, house), (template.MEMBERS, members), (template.INCOMES, incomes)):
        path = out_dir / f"{sheet.key}.csv"
        # Files as another system makes them: the national template's columns, without the platform's optional
        # ones (数据版本, written by its export; the address and bank columns).
        csv_write_frame(frame.select([h for h in sheet.headers if h in frame.columns]), path, include_bom=True)
        paths.append(path)
    return GenerateResult(house.height, members.height, incomes.height, (paths[0], paths[1], paths[2]))


def _households(n: int, villages: list[str], rnd: _Random) -> pl.DataFrame:
    village_pool = dict(enumerate(villages))
    df = pl.DataFrame({"i": pl.int_range(n, eager=True, dtype=pl.Int64)})
    df = df.with_columns(rnd.ints(len(villages)).replace_strict(village_pool, return_dtype=pl.String).alias("行政区划代码"),
                         rnd.choice([("未脱贫", 30), ("已脱贫", 55), ("返贫", 3), ("非贫困户", 12)]).alias("脱贫状态"),
                         rnd.choice([("1", 10), ("2", 20), ("3", 25), ("4", 25), ("5", 12), ("6", 8)])
                         .cast(pl.Int64).alias("size"))
    number = pl.int_range(1, pl.len() + 1).over("行政区划代码")
    registered = pl.col("脱贫状态") != "非贫困户"
    identified = 2014 + rnd.ints(4)
    df = df.with_columns(
        (PREFIX + pl.col("行政区划代码") + number.cast(pl.String).str.zfill(5)).alias("户编号"),
        pl.when(registered).then(rnd.choice([("一般贫困户", 70), ("低保贫困户", 20), ("特困供养贫困户", 6),
                                             ("低保特困供养贫困户", 4)])).otherwise(pl.lit("一般农户")).alias("户属性"),
        pl.when(registered).then(rnd.choice([(str(c), 1) for c in codes.Cause.labels])).alias("主要致贫原因"),
        pl.when(registered & rnd.chance(20)).then(pl.lit("因学、缺技术")).alias("其他致贫原因"),
        pl.when(registered).then(identified).alias("识别年度"),
    )
    exits = pl.col("脱贫状态").is_in(["已脱贫", "返贫"])
    df = df.with_columns(
        pl.when(exits).then(pl.min_horizontal(pl.col("识别年度") + 1 + rnd.ints(3), pl.lit(2020))).alias("脱贫年度"),
        _yes_no(~rnd.chance(3)).alias("不愁吃"), _yes_no(~rnd.chance(3)).alias("不愁穿"),
        rnd.choice([("A", 40), ("B", 45), ("C", 10), ("D", 5)]).alias("住房安全等级"),
        _yes_no(rnd.chance(60)).alias("危房改造"), _yes_no(rnd.chance(3)).alias("易地搬迁"),
        _yes_no(~rnd.chance(4)).alias("饮水安全"),
        ("13" + (100_000_000 + rnd.ints(900_000_000)).cast(pl.String)).alias("联系电话"),
        (20 + rnd.ints(63)).alias("head_age"), rnd.chance(20).alias("head_female"),
        pl.lit(SURNAMES).str.slice(rnd.ints(len(SURNAMES)), 1).alias("surname"),
    )
    return df.with_columns(pl.col("识别年度").cast(pl.String), pl.col("脱贫年度").cast(pl.String))


def _members(house: pl.DataFrame, rnd: _Random) -> pl.DataFrame:
    df = house.select("户编号", "size", "head_age", "head_female", "surname").with_columns(
        pl.int_ranges(0, pl.col("size")).alias("p")).explode("p")
    df = df.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("j"))
    p, size, head_age = pl.col("p"), pl.col("size"), pl.col("head_age")
    relation = (pl.when(p == 0).then(pl.lit("户主")).when(p == 1).then(pl.lit("配偶"))
                .when((size >= 5) & (p == size - 1)).then(pl.lit("母亲"))
                .when(rnd.chance(50, "j")).then(pl.lit("子")).otherwise(pl.lit("女")))
    df = df.with_columns(relation.alias("与户主关系"))
    rel = pl.col("与户主关系")
    age = (pl.when(rel == "户主").then(head_age)
           .when(rel == "配偶").then(pl.max_horizontal(pl.lit(20), head_age - 4 + rnd.ints(8, "j")))
           .when(rel == "母亲").then(pl.min_horizontal(pl.lit(100), head_age + 22 + rnd.ints(9, "j")))
           .otherwise(pl.max_horizontal(pl.lit(0), head_age - 22 - rnd.ints(13, "j") - 2 * (p - 2))))
    female = (pl.when(rel == "户主").then(pl.col("head_female")).when(rel == "配偶").then(~pl.col("head_female"))
              .when(rel.is_in(["母亲", "女"])).then(pl.lit(True)).otherwise(pl.lit(False)))
    df = df.with_columns(age.alias("age"), female.alias("female"))
    days = pl.col("age") * 365 + rnd.ints(365, "j")
    df = df.with_columns((pl.lit(REFERENCE_DAY) - pl.duration(days=days)).alias("birth"))
    rank = pl.int_range(pl.len(), dtype=pl.Int64).over(["birth", "female"])
    sequence = 2 * (rank % SEQUENCES_PER_SEX) + pl.when(pl.col("female")).then(0).otherwise(1)
    address = (rank // SEQUENCES_PER_SEX % len(ADDRESS_CODES)).replace_strict(dict(enumerate(ADDRESS_CODES)),
                                                                              return_dtype=pl.String)
    first17 = address + pl.col("birth").dt.strftime("%Y%m%d") + sequence.cast(pl.String).str.zfill(3)
    df = df.with_columns(first17.alias("first17"))
    own_surname = rel.is_in(["户主", "子", "女"])
    surname = pl.when(own_surname).then(pl.col("surname")).otherwise(
        pl.lit(SURNAMES).str.slice(rnd.ints(len(SURNAMES), "j"), 1))
    given = (pl.lit(GIVEN).str.slice(rnd.ints(len(GIVEN), "j"), 1)
             + pl.when(rnd.chance(70, "j")).then(pl.lit(GIVEN).str.slice(rnd.ints(len(GIVEN), "j"), 1))
             .otherwise(pl.lit("")))
    a = pl.col("age")
    health = rnd.choice([("健康", 70), ("长期慢性病", 18), ("患有大病", 6), ("残疾", 6)], "j")
    df = df.with_columns(
        (surname + given).alias("姓名"),
        (pl.col("first17") + check_character_expr(pl.col("first17"))).alias("身份证号"),
        pl.lit("汉族").alias("民族"),
        pl.when(a < 6).then(pl.lit("学龄前儿童")).otherwise(
            rnd.choice(_labels(codes.Education, [10, 35, 35, 15, 5, 0]), "j")).alias("文化程度"),
        pl.when(a < 6).then(pl.lit("学前教育")).when(a <= 12).then(pl.lit("小学")).when(a == 13).then(pl.lit("七年级"))
        .when(a == 14).then(pl.lit("八年级")).when(a == 15).then(pl.lit("九年级")).when(a <= 18).then(pl.lit("高中"))
        .otherwise(pl.lit("非在校生")).alias("在校生状况"),
        health.alias("健康状况"),
    )
    working = (a >= 16) & (a <= 70)
    df = df.with_columns(
        pl.when(pl.col("健康状况") == "残疾").then(rnd.choice(_labels(codes.DisabilityLevel, [1, 2, 3, 4]), "j"))
        .alias("残疾等级"),
        pl.when(working).then(rnd.choice(_labels(codes.Labour, [55, 15, 20, 10, 0]), "j"))
        .otherwise(pl.lit("无劳动力")).alias("劳动能力"),
        pl.when(working).then(rnd.choice(_labels(codes.WorkLocation, [20, 20, 20, 20, 20]), "j"))
        .otherwise(pl.lit("未务工")).alias("务工状况"),
        _yes_no(~rnd.chance(2, "j")).alias("参加基本医保"), _yes_no(~rnd.chance(5, "j")).alias("参加大病保险"),
        _yes_no((a >= 16) & ~rnd.chance(20, "j")).alias("参加养老保险"), _yes_no(pl.lit(False)).alias("享受低保"),
        _yes_no(pl.lit(False)).alias("特困供养"), pl.lit(None, dtype=pl.String).alias("送教上门"),
    )
    return df.with_columns(
        pl.when(pl.col("务工状况") == "未务工").then(pl.lit(0)).otherwise(1 + rnd.ints(12, "j")).cast(pl.String)
        .alias("务工时间(月)"))


def _money(cents: pl.Expr) -> pl.Expr:
    return (cents // 100).cast(pl.String) + "." + (cents % 100).cast(pl.String).str.zfill(2)


def _incomes(house: pl.DataFrame, rnd: _Random) -> pl.DataFrame:
    poor = pl.col("脱贫状态").is_in(["未脱贫", "返贫"])
    per_person = pl.when(poor).then(200_000 + rnd.ints(160_000)).otherwise(400_000 + rnd.ints(500_000))
    net = per_person * pl.col("size")
    return house.select(
        "户编号", pl.lit(str(INCOME_YEAR)).alias("年度"),
        _money(net * 55 // 100).alias("工资性收入"), _money(net * 20 // 100).alias("生产经营性收入"),
        _money(10_000 + rnd.ints(5_000)).alias("财产性收入"), _money(net * 25 // 100 + 20_000).alias("转移性收入"),
        _money(10_000 + rnd.ints(50_000)).alias("生产经营性支出"), _money(rnd.ints(300_000)).alias("医疗自付支出"),
        _money(rnd.ints(150_000)).alias("教育支出"), _money(pl.lit(0)).alias("灾害损失"),
    )
