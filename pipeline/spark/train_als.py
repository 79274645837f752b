#!/usr/bin/env python3
"""Train Spark MLlib ALS where a school's enrolments live; write only item factors.

The output directory is the "wayfinder-item-factors" exchange format, version 1, that
`wayfinder build --item-factors DIR` reads (pipeline/spark/README.md describes it):

    item_factors.safetensors  tensor `item_factors`, F32, [courses, rank], row-major
    courses.csv               row,course,learners: one line per factor row, in row order
    als.json                  hyper-parameters, counts, fit time, sha256 and size of both files

Nothing about a learner leaves: no learner id, no learner factor, and a course that fewer
than --min-cohort distinct learners took gets an all-zero row.

Usage (local mode, every core of this machine):

    python train_als.py --input enrolments.csv --out factors/
    python train_als.py --input enrolments.parquet --learner-col student_id \\
        --course-col course_code --rank 64 --reg-param 0.8 --alpha 40 --out factors/
    python train_als.py --input grades.csv --rating-col grade --explicit --out factors/

On a cluster, give the script to spark-submit (which then chooses the master and the driver's
memory; --out is a path on the driver's local disk):

    spark-submit --master yarn --driver-memory 8g train_als.py --input hdfs:///enrolments \\
        --input-format parquet --out factors/

Input: CSV with a header row (RFC 4180 quoting) or Parquet; the learner and course columns
are read as strings; the rating column, when given, as a number (without one every row counts
1); other columns (timestamps, ...) are ignored. Duplicate (learner, course) rows are merged
before training: implicit, the sum of their ratings (counts), as Wayfinder's fold-in merges a
learner's duplicates; explicit, their mean.

Spark's ALS regularizes each row with reg_param times that row's number of ratings (ALS-WR;
implicit: the ratings > 0), so a learner with history h is, against item factors Y:

    implicit: x = (YᵀY + Σ_h α·r·y yᵀ + reg·n·I)⁻¹ Σ_{h, r>0} (1 + α·r)·y
    explicit: x = (Σ_h y yᵀ + reg·n·I)⁻¹ Σ_h r·y

--check-learners N --check-out DIR (tests only) writes N seeded learners' histories and
Spark's own factors for them to DIR/learners.jsonl, so a test can check that rule; never point
it at a directory that leaves the school.

Bad input or parameters exit with status 2 and a message naming the file, the column and the
row.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time

FORMAT = "wayfinder-item-factors"
VERSION = 1
TRAINER = "spark-mllib-als"
FACTORS_FILE = "item_factors.safetensors"
COURSES_FILE = "courses.csv"
META_FILE = "als.json"
OUTPUT_FILES = (FACTORS_FILE, COURSES_FILE, META_FILE)
TENSOR = "item_factors"
MAX_INT_ID = 2**31 - 1
# Learners are numbered by bucket (a hash of the id) and their order inside it, so that the
# numbering is deterministic, dense and never needs the learners on the driver.
LEARNER_BUCKETS = 256


class InputError(Exception):
    """Bad input or parameters: reported in one line, exit status 2."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="train_als.py",
        description="Train Spark MLlib ALS on enrolments; write only item factors "
        "(the wayfinder-item-factors exchange format).",
    )
    p.add_argument("--input", required=True, help="enrolments: a CSV file with a header row, or Parquet (file or directory)")
    p.add_argument("--input-format", choices=("csv", "parquet"), help="default: parquet for a .parquet path or a directory, else csv")
    p.add_argument("--learner-col", default="learner")
    p.add_argument("--course-col", default="course")
    p.add_argument("--rating-col", help="numeric rating or count column (absent: every row counts 1)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--implicit", dest="implicit", action="store_true", default=True, help="implicit feedback (default): ratings are counts")
    mode.add_argument("--explicit", dest="implicit", action="store_false", help="explicit ratings (needs --rating-col)")
    p.add_argument("--rank", type=int, default=32)
    p.add_argument("--reg-param", type=float, default=0.1, help="ridge per rating (Spark scales it by each row's rating count)")
    p.add_argument("--alpha", type=float, default=40.0, help="implicit confidence scale: c = 1 + alpha * r")
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--min-cohort", type=int, default=10, help="courses with fewer distinct learners get an all-zero row")
    p.add_argument("--out", required=True, help="output directory (local to the driver); only the exchange files go here")
    p.add_argument("--driver-memory", default="4g", help="local mode only; under spark-submit pass --driver-memory to it")
    p.add_argument("--blocks", type=int, default=10,
                   help="ALS user and item blocks (Spark's default 10); the seeded initial factors depend on it")
    p.add_argument("--master", help="Spark master (default: local[*], or spark-submit's)")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting (repeatable)")
    p.add_argument("--java-options", default="", help="local mode: more options for the driver's JVM")
    p.add_argument("--scratch", help="Spark's temporary files (they hold learner data; removed at the end). "
                   "Default: a fresh directory beside --out")
    p.add_argument("--check-learners", type=int, default=0, metavar="N", help="tests only: N seeded learners' histories and Spark factors")
    p.add_argument("--check-out", metavar="DIR", help="tests only: where --check-learners writes learners.jsonl (not inside --out)")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def validate_args(args: argparse.Namespace) -> None:
    def finite(name: str, value: float) -> None:
        if not math.isfinite(value):
            raise InputError(f"{name} must be a finite number, got {value}")

    if args.rank < 1:
        raise InputError(f"--rank must be at least 1, got {args.rank}")
    finite("--reg-param", args.reg_param)
    if args.reg_param <= 0:
        raise InputError(f"--reg-param must be > 0, got {args.reg_param}")
    finite("--alpha", args.alpha)
    if args.alpha < 0:
        raise InputError(f"--alpha must be >= 0, got {args.alpha}")
    if args.max_iter < 1:
        raise InputError(f"--max-iter must be at least 1, got {args.max_iter}")
    for setting in args.conf:
        if "=" not in setting or not setting.partition("=")[0].strip():
            raise InputError(f"--conf {setting!r}: expected KEY=VALUE")
    if args.blocks < 1:
        raise InputError(f"--blocks must be at least 1, got {args.blocks}")
    if args.min_cohort < 1:
        raise InputError(f"--min-cohort must be at least 1, got {args.min_cohort}")
    if not args.implicit and not args.rating_col:
        raise InputError("--explicit needs --rating-col (without it every rating would be 1)")
    if args.learner_col == args.course_col:
        raise InputError(f"--learner-col and --course-col are both {args.learner_col!r}")
    if args.rating_col in (args.learner_col, args.course_col):
        raise InputError(f"--rating-col {args.rating_col!r} is also the learner or course column")
    if args.check_learners < 0:
        raise InputError(f"--check-learners must be >= 0, got {args.check_learners}")
    if args.check_learners and not args.check_out:
        raise InputError("--check-learners needs --check-out DIR")
    out = os.path.realpath(args.out)
    if args.check_out:
        check = os.path.realpath(args.check_out)
        if check == out or check.startswith(out + os.sep) or out.startswith(check + os.sep):
            raise InputError(f"--check-out {args.check_out} must be apart from --out {args.out}: learner data never goes into --out")
    if os.path.exists(out):
        if not os.path.isdir(out):
            raise InputError(f"--out {args.out} exists and is not a directory")
        ours = set(OUTPUT_FILES) | {f".{name}.tmp" for name in OUTPUT_FILES}  # with an interrupted run's
        foreign = sorted(set(os.listdir(out)) - ours)
        if foreign:
            raise InputError(f"--out {args.out} holds files this job did not write ({', '.join(foreign[:5])}); "
                             "give an empty or new directory")
    if args.input_format is None:
        path = args.input.rstrip("/")
        args.input_format = "parquet" if path.endswith(".parquet") or os.path.isdir(path) else "csv"
    if "://" not in args.input and not os.path.exists(args.input):
        raise InputError(f"{args.input}: no such file or directory")


STARTED = time.perf_counter()


def log(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(f"train_als: [{time.perf_counter() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def launched_by_spark_submit() -> bool:
    # spark-submit starts the JVM first and hands the Python driver its gateway.
    return "PYSPARK_GATEWAY_PORT" in os.environ


LOG4J2 = """\
rootLogger.level = {level}
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{{yy/MM/dd HH:mm:ss}} %p %c{{1}}: %m%n%ex
logger.repl.name = org.apache.spark.api.python.PythonGatewayServer
logger.repl.level = {level}
logger.hadoop.name = org.apache.hadoop.util.NativeCodeLoader
logger.hadoop.level = error
logger.netlib.name = dev.ludovic.netlib
logger.netlib.level = error
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
"""


def start_spark(args: argparse.Namespace, scratch: str):
    from pyspark.sql import SparkSession

    local = not launched_by_spark_submit()
    for sub in ("local", "tmp", "warehouse", "ivy", "derby", "checkpoints"):
        os.makedirs(os.path.join(scratch, sub), exist_ok=True)
    log4j = os.path.join(scratch, "log4j2.properties")
    with open(log4j, "w", encoding="utf-8") as f:
        f.write(LOG4J2.format(level="error" if args.quiet else "warn"))
    builder = SparkSession.builder.appName("wayfinder-train-als")
    if args.master:
        builder = builder.master(args.master)
    elif local:
        builder = builder.master("local[*]")
    if local:
        # Python workers (none on the training path) run this interpreter; Spark binds to the
        # loopback only; Python's own temporary files go to the scratch directory as well.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Shuffle and block files (learner data) under the scratch directory; in local mode the
        # environment variable is what Spark honours (spark.local.dir would warn it is overridden).
        os.environ["SPARK_LOCAL_DIRS"] = os.path.join(scratch, "local")
        os.environ["TMPDIR"] = os.path.join(scratch, "tmp")
        tempfile.tempdir = None
        cores = os.cpu_count() or 2
        java_opts = " ".join([
            f"-Djava.io.tmpdir={os.path.join(scratch, 'tmp')}",
            f"-Dderby.system.home={os.path.join(scratch, 'derby')}",
            f"-Dlog4j2.configurationFile=file:{log4j}",
            "-XX:-UsePerfData",  # no /tmp/hsperfdata_* file
            args.java_options,
        ]).strip()
        builder = (
            builder.config("spark.driver.memory", args.driver_memory)
            .config("spark.driver.extraJavaOptions", java_opts)
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(2 * cores))
            .config("spark.default.parallelism", str(2 * cores))
        )
    builder = (
        builder.config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        .config("spark.jars.ivy", os.path.join(scratch, "ivy"))
        .config("spark.sql.catalogImplementation", "in-memory")
    )
    for setting in args.conf:
        key, _, value = setting.partition("=")
        builder = builder.config(key.strip(), value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR" if args.quiet else "WARN")
    if local:
        # ALS cuts its lineage every 10 iterations when a checkpoint directory is set.
        spark.sparkContext.setCheckpointDir(os.path.join(scratch, "checkpoints"))
    return spark


def read_input(spark, args: argparse.Namespace):
    from pyspark.sql.utils import AnalysisException

    try:
        if args.input_format == "csv":
            df = (
                spark.read.option("header", True)
                .option("inferSchema", False)
                .option("escape", '"')
                .option("mode", "PERMISSIVE")
                .csv(args.input)
            )
        else:
            df = spark.read.parquet(args.input)
    except AnalysisException as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{args.input}: cannot read as {args.input_format}: {first}") from None
    if not df.columns:
        raise InputError(f"{args.input}: empty input (no header row)")
    wanted = [("--learner-col", args.learner_col), ("--course-col", args.course_col)]
    if args.rating_col:
        wanted.append(("--rating-col", args.rating_col))
    for flag, name in wanted:
        if name not in df.columns:
            raise InputError(f"{args.input}: no column {name!r} ({flag}); its columns are {', '.join(df.columns)}")
    return df


def checked_rows(df, args: argparse.Namespace):
    """learner, course, rating (double) and `problem` (null for a good row) per input row."""
    from pyspark.sql import functions as F

    learner = F.col(f"`{args.learner_col}`").cast("string")
    course = F.col(f"`{args.course_col}`").cast("string")
    if args.rating_col:
        raw = F.col(f"`{args.rating_col}`")
        rating = raw.cast("double")
        rating_problem = (
            F.when(raw.isNull(), F.lit(f"missing value in column {args.rating_col!r}"))
            .when(rating.isNull(), F.concat(F.lit(f"column {args.rating_col!r} is not a number: "), raw.cast("string")))
            .when(F.isnan(rating) | (F.abs(rating) == float("inf")),
                  F.concat(F.lit(f"column {args.rating_col!r} is not a finite number: "), raw.cast("string")))
        )
        if args.implicit:
            rating_problem = rating_problem.when(
                rating < 0,
                F.concat(F.lit(f"column {args.rating_col!r} is negative in implicit mode (ratings are counts): "), raw.cast("string")),
            )
        raw_rating = raw.cast("string")
    else:
        rating = F.lit(1.0)
        rating_problem = F.lit(None).cast("string")
        raw_rating = F.lit(None).cast("string")
    problem = (
        F.when(learner.isNull(), F.lit(f"missing value in column {args.learner_col!r}"))
        .when(course.isNull(), F.lit(f"missing value in column {args.course_col!r}"))
        .otherwise(rating_problem)
    )
    return df.select(
        learner.alias("learner"),
        course.alias("course"),
        rating.alias("rating"),
        raw_rating.alias("raw_rating"),
        problem.alias("problem"),
    )


def report_bad_row(rows, args: argparse.Namespace) -> None:
    """Finds the first bad row and its number (error path only; a second pass over the input)."""
    from pyspark.sql import functions as F

    tagged = rows.select(
        "*",
        F.spark_partition_id().alias("_part"),
        F.monotonically_increasing_id().alias("_mid"),
        F.input_file_name().alias("_file"),
    )
    bad = tagged.where(F.col("problem").isNotNull()).orderBy("_mid").limit(1).collect()
    if not bad:
        return
    row = bad[0]
    offset = row["_mid"] - (row["_part"] << 33)
    before = tagged.where(F.col("_part") < row["_part"]).count()
    number = before + offset + 1
    where = f"{args.input}"
    if os.path.isdir(args.input) and row["_file"]:
        where = row["_file"]
        number = None  # rows of several files: the number would mean nothing
    values = f"{args.learner_col}={row['learner']!r}, {args.course_col}={row['course']!r}"
    if args.rating_col:
        values += f", {args.rating_col}={row['raw_rating']!r}"
    at = f"data row {number}" + (f" (line {number + 1})" if args.input_format == "csv" else "") if number else "a row"
    raise InputError(f"{where}: {at}: {row['problem']} ({values})")


def dense_learners(spark, pairs):
    """learner → u, dense 0..L-1, deterministic, computed in Spark (no learner reaches the driver)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    learners = pairs.select("learner").distinct().withColumn(
        "bucket", F.pmod(F.xxhash64("learner"), F.lit(LEARNER_BUCKETS)).cast("int")
    )
    ranked = learners.withColumn("pos", F.row_number().over(Window.partitionBy("bucket").orderBy("learner")))
    sizes = sorted((r["bucket"], r["count"]) for r in learners.groupBy("bucket").count().collect())
    offsets, total = [], 0
    for bucket, size in sizes:
        offsets.append((bucket, total))
        total += size
    if total > MAX_INT_ID:
        raise InputError(f"{total} learners: more than Spark ALS's integer ids allow")
    offset_df = spark.createDataFrame(offsets, "bucket int, offset long")
    mapping = ranked.join(F.broadcast(offset_df), "bucket").select(
        "learner", (F.col("offset") + F.col("pos") - 1).cast("int").alias("u")
    )
    return mapping, total


def sha256_file(path: str) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def write_outputs(args, courses, counts, factors, meta) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    os.makedirs(args.out, exist_ok=True)
    tmp = {name: os.path.join(args.out, f".{name}.tmp") for name in OUTPUT_FILES}
    save_file({TENSOR: np.ascontiguousarray(factors, dtype=np.float32)}, tmp[FACTORS_FILE],
              metadata={"format": FORMAT, "version": str(VERSION)})
    with open(tmp[COURSES_FILE], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["row", "course", "learners"])
        for row, (course, count) in enumerate(zip(courses, counts)):
            w.writerow([row, course, count])
    files = {}
    for name in (FACTORS_FILE, COURSES_FILE):
        digest, size = sha256_file(tmp[name])
        files[name] = {"sha256": digest, "bytes": size}
    meta = dict(meta, files=files)
    with open(tmp[META_FILE], "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    umask = os.umask(0)
    os.umask(umask)
    for name in OUTPUT_FILES:
        os.chmod(tmp[name], 0o666 & ~umask)
        os.replace(tmp[name], os.path.join(args.out, name))


def write_check(args, spark, model, ratings, learner_map, n_learners, courses) -> int:
    """Tests only: N seeded learners' aggregated histories and Spark's factors for them."""
    import numpy as np
    from pyspark.sql import functions as F

    n = min(args.check_learners, n_learners)
    chosen = sorted(int(u) for u in np.random.default_rng(args.seed).choice(n_learners, size=n, replace=False))
    chosen_df = spark.createDataFrame([(u,) for u in chosen], "u int")
    ids = {r["u"]: r["learner"] for r in learner_map.join(F.broadcast(chosen_df), "u").collect()}
    history: dict[int, list] = {u: [] for u in chosen}
    for r in ratings.join(F.broadcast(chosen_df), "u").select("u", "i", "value").collect():
        history[r["u"]].append((r["i"], float(r["value"])))
    factors = {
        r["id"]: [float(x) for x in r["features"]]
        for r in model.userFactors.join(F.broadcast(chosen_df), F.col("id") == F.col("u")).collect()
    }
    os.makedirs(args.check_out, exist_ok=True)
    with open(os.path.join(args.check_out, "learners.jsonl"), "w", encoding="utf-8") as f:
        for u in chosen:
            rows = sorted(history[u])
            f.write(json.dumps({
                "learner": ids[u],
                "history": [[courses[i], v] for i, v in rows],
                "factors": factors[u],
            }) + "\n")
    return n


def train(args: argparse.Namespace, scratch: str) -> dict:
    import numpy as np
    import pyspark
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F

    spark = start_spark(args, scratch)
    log(args, f"Spark {spark.version} started ({spark.sparkContext.master})")
    try:
        rows = checked_rows(read_input(spark, args), args)
        # Duplicates merged before training: implicit sums the counts, explicit averages. The
        # same pass counts the rows and the bad ones (whose groups are never used).
        merge = F.sum("rating") if args.implicit else F.avg("rating")
        merged = rows.groupBy("learner", "course").agg(
            merge.cast("float").alias("value"), F.count(F.lit(1)).alias("rows"), F.count("problem").alias("bad")
        ).persist()
        stats = merged.agg(F.sum("rows").alias("rows"), F.sum("bad").alias("bad")).collect()[0]
        if not stats["rows"]:
            raise InputError(f"{args.input}: empty input (no data rows)")
        if stats["bad"]:
            report_bad_row(rows, args)
        log(args, f"read {stats['rows']} rows from {args.input}")
        pairs = merged.select("learner", "course", "value")
        per_course = sorted(
            (r["course"], r["count"]) for r in pairs.groupBy("course").count().collect()
        )
        courses = [c for c, _ in per_course]
        counts = [n for _, n in per_course]
        if len(courses) > MAX_INT_ID:
            raise InputError(f"{len(courses)} courses: more than Spark ALS's integer ids allow")
        course_df = spark.createDataFrame([(c, i) for i, c in enumerate(courses)], "course string, i int")
        learner_map, n_learners = dense_learners(spark, pairs)
        learner_map = learner_map.persist()
        ratings = (
            pairs.join(F.broadcast(course_df), "course")
            .join(learner_map, "learner")
            .select("u", "i", "value")
            .persist()
        )
        interactions = ratings.count()
        log(args, f"{n_learners} learners, {len(courses)} courses, {interactions} (learner, course) pairs after merging duplicates")

        als = ALS(
            rank=args.rank,
            maxIter=args.max_iter,
            regParam=args.reg_param,
            alpha=args.alpha,
            implicitPrefs=args.implicit,
            nonnegative=False,
            seed=args.seed,
            userCol="u",
            itemCol="i",
            ratingCol="value",
            coldStartStrategy="drop",
            numUserBlocks=args.blocks,
            numItemBlocks=args.blocks,
        )
        t0 = time.perf_counter()
        model = als.fit(ratings)
        fit_seconds = time.perf_counter() - t0
        log(args, f"ALS fit in {fit_seconds:.2f} s (rank {args.rank}, {args.max_iter} iterations, "
            f"{'implicit' if args.implicit else 'explicit'})")

        factors = np.zeros((len(courses), args.rank), dtype=np.float32)
        seen = np.zeros(len(courses), dtype=bool)
        for r in model.itemFactors.collect():
            factors[r["id"]] = np.asarray(r["features"], dtype=np.float32)
            seen[r["id"]] = True
        if not seen.all():
            raise RuntimeError(f"Spark returned no factor for {int((~seen).sum())} courses")
        below = np.asarray(counts) < args.min_cohort
        factors[below] = 0.0
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "trainer": TRAINER,
            "spark_version": pyspark.__version__,
            "implicit_prefs": bool(args.implicit),
            "rank": args.rank,
            "reg_param": float(args.reg_param),
            "alpha": float(args.alpha),
            "max_iter": args.max_iter,
            "seed": args.seed,
            "nonnegative": False,
            "reg_scaling": "count",
            "min_cohort": args.min_cohort,
            "courses_below_min_cohort": int(below.sum()),
            "learners": n_learners,
            "courses": len(courses),
            "interactions": interactions,
            "fit_seconds": round(fit_seconds, 3),
        }
        write_outputs(args, courses, counts, factors, meta)
        log(args, f"wrote {args.out}: {len(courses)} courses ({int(below.sum())} below the minimum cohort "
            f"of {args.min_cohort}, zeroed), rank {args.rank}")
        if args.check_learners:
            n = write_check(args, spark, model, ratings, learner_map, n_learners, courses)
            log(args, f"wrote {n} check learners to {os.path.join(args.check_out, 'learners.jsonl')}")
        log(args, "done")
        return meta
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        validate_args(args)
    except InputError as e:
        print(f"train_als: error: {e}", file=sys.stderr)
        return 2
    parent = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(parent, exist_ok=True)
    own_scratch = args.scratch is None
    scratch = tempfile.mkdtemp(prefix=".train-als-scratch-", dir=parent) if own_scratch else args.scratch
    os.makedirs(scratch, exist_ok=True)
    try:
        train(args, scratch)
    except InputError as e:
        print(f"train_als: error: {e}", file=sys.stderr)
        return 2
    finally:
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
