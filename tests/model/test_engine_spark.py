"""The in-engine fit on PySpark (local mode) equals the in-memory fit to 1e-9 relative.

Spark sums in its own order across partitions, and its exact ``percentile`` gives the
quartile cuts; the numbers must still agree with numpy's. Needs Java 17: without it
the test fails under CI (``make test`` installs it) and skips elsewhere.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from engine_cases import assert_same_fit

from analysis.config import DEFAULT_DATA
from analysis.data import load_customers
from analysis.errors import ModelSpecificationError
from analysis.model.engine import fit_in_engine
from analysis.model.fit import fit_model

pyspark = pytest.importorskip("pyspark")
JAVA_HOMES = ("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-1.17.0-openjdk-amd64")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    import ibis
    from pyspark.sql import SparkSession

    java = next((h for h in (os.environ.get("JAVA_HOME", ""), *JAVA_HOMES) if h and (Path(h) / "bin" / "java").exists()),
                None)
    if java is None:
        if os.environ.get("CI"):
            pytest.fail("PySpark needs Java 17; CI installs it, so its absence is a failure")
        pytest.skip("PySpark needs Java 17 (apt-get install openjdk-17-jre-headless)")
    os.environ["JAVA_HOME"] = java
    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (SparkSession.builder.master("local[2]").appName("engine-fit")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session, ibis.pyspark.connect(session)
    session.stop()


def spark_table(spark, frame: pd.DataFrame, name: str):
    session, backend = spark
    session.createDataFrame(frame).repartition(3).createOrReplaceTempView(name)  # 3 partitions: sums in pieces
    return backend.table(name)


def test_in_engine_fit_on_spark_equals_in_memory_fit(spark):
    frame = pd.read_csv(DEFAULT_DATA, dtype={"CustomerID": str})
    fit = fit_in_engine(spark_table(spark, frame, "customers"))
    memory = fit_model(load_customers(DEFAULT_DATA))
    assert_same_fit(fit.results, memory)
    assert fit.misaligned_by_segment == {level: memory.misaligned_count(level) for level in memory.levels}


def test_a_collinear_design_is_refused_on_spark(spark):
    frame = pd.read_csv(DEFAULT_DATA, dtype={"CustomerID": str})
    frame["MonetaryValue"] = 2 * frame["Recency"] + 3 * frame["Frequency"]
    with pytest.raises(ModelSpecificationError, match="perfectly collinear"):
        fit_in_engine(spark_table(spark, frame, "collinear"))
