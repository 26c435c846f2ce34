"""The data lake's S3 settings for Spark: s3a endpoint, path-style access and credentials from the user Secret.

Three forms, one source:
- ``core-site.xml`` (Hadoop's own file): driver and executors read it from ``HADOOP_CONF_DIR`` once the
  ConfigMap is mounted there, which Spark does for ``spark.kubernetes.hadoop.configMapName`` (and the Spark
  operator's webhook for ``spec.hadoopConfigMap``).
- ``spark-defaults.conf``: read by spark-submit and pyspark in a notebook through ``SPARK_CONF_DIR``. A
  SparkApplication's driver is started with ``--properties-file``, so Spark never reads this file there
  (SparkSubmitArguments, Spark 4.0): ``spec.sparkConfigMap`` cannot carry these settings to jobs.
- ``sparkConf`` entries for a SparkApplication, read by spark-submit in the operator's pod at submission: the
  Hadoop ConfigMap to mount and the Secret keys to expose as AWS_* variables in driver and executors.
Secrets never appear in any of them: credentials stay in the Rook user Secret and reach pods as secretKeyRefs.
"""

from xml.sax.saxutils import escape

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.rook_ceph import s3_endpoint, s3_secret_name

CONFIG_MAP = "spark-s3"  # in every Spark job namespace (spark-operator) and the notebooks' (jupyterhub)
SPARK_CONF_DIR = "/etc/spark/conf"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AccessKey", "AWS_SECRET_ACCESS_KEY": "SecretKey"}  # env -> Secret key
# Ceph's RGW signs with any region name; Hadoop 3.4's AWS SDK v2 client needs one with a custom endpoint.
REGION = "us-east-1"


def hadoop_settings(spec: OpenDataHubSpec, namespace: str) -> dict[str, str]:
    """s3a properties reaching the object store's gateway Service inside the cluster (plain HTTP)."""
    endpoint = s3_endpoint(spec, namespace)
    return {
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.endpoint.region": REGION,
        "fs.s3a.path.style.access": "true",  # bucket names in the path: no wildcard DNS for the gateway
        "fs.s3a.connection.ssl.enabled": str(endpoint.startswith("https://")).lower(),
    }


def core_site_xml(settings: dict[str, str]) -> str:
    """Hadoop's core-site.xml with these properties."""
    properties = "".join(
        f"  <property>\n    <name>{escape(name)}</name>\n    <value>{escape(value)}</value>\n  </property>\n"
        for name, value in settings.items()
    )
    return f'<?xml version="1.0"?>\n<configuration>\n{properties}</configuration>\n'


def secret_refs(secret: str) -> dict[str, str]:
    """Spark properties putting the S3 credentials into driver and executor pods as secretKeyRefs."""
    return {
        f"spark.kubernetes.{role}.secretKeyRef.{env}": f"{secret}:{key}"
        for role in ("driver", "executor")
        for env, key in CREDENTIALS.items()
    }


def spark_defaults_conf(spec: OpenDataHubSpec, namespace: str, with_credentials: bool) -> str:
    """spark-defaults.conf: the s3a settings as spark.hadoop.*, and the credential refs where the Secret is."""
    properties = {f"spark.hadoop.{k}": v for k, v in hadoop_settings(spec, namespace).items()}
    if with_credentials:
        properties |= secret_refs(s3_secret_name(spec))
    return "".join(f"{name} {value}\n" for name, value in properties.items())


def config_map_data(spec: OpenDataHubSpec, namespace: str, job_namespace: str) -> dict[str, str]:
    """The ConfigMap's files for one namespace; credentials only where the Rook user Secret lives."""
    return {
        "core-site.xml": core_site_xml(hadoop_settings(spec, namespace)),
        "spark-defaults.conf": spark_defaults_conf(spec, namespace, with_credentials=job_namespace == namespace),
    }


def application_conf(spec: OpenDataHubSpec, namespace: str, job_namespace: str) -> dict[str, str]:
    """sparkConf entries giving a SparkApplication in ``job_namespace`` the data lake (native Spark settings)."""
    conf = {"spark.kubernetes.hadoop.configMapName": CONFIG_MAP}
    if job_namespace == namespace:
        conf |= secret_refs(s3_secret_name(spec))
    return conf
