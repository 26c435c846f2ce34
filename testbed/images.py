"""The images the pod runner can "run": each of the operator's pinned images that has a real program here,
mapped to what the image would provide (entry point, default command, PATH, working dir, user).

The facts are those of the upstream images at the pinned tags: z2jh 4.4.0's hub image (user jovyan
1000:1000, command ``jupyterhub --config /usr/local/etc/jupyterhub/jupyterhub_config.py``, workdir
``/srv/jupyterhub``), configurable-http-proxy (node, user 65534), Jupyter's docker-stacks notebooks (user
jovyan 1000:100, home ``/home/jovyan``, ``jupyterhub-singleuser`` on the PATH), Prometheus v3.12.0
(``/bin/prometheus``, user nobody 65534, workdir ``/prometheus``), and the AI Library's own image
(``ai_library/Dockerfile``: user mlserver 1000:1000, workdir ``/tmp``, ``mlserver start $MLSERVER_MODELS_DIR``).
"""

from __future__ import annotations

from odh_operator.components.ai_library import COMPONENT as AI_LIBRARY
from odh_operator.components.jupyterhub import COMPONENT as JUPYTERHUB
from odh_operator.components.monitoring import COMPONENT as MONITORING
from odh_operator.components.spark_operator import COMPONENT as SPARK_OPERATOR
from odh_operator.components.jupyterhub import CONFIG_DIR, DATA_DIR, HOME, NOTEBOOK_FS_GID, NOTEBOOK_UID
from testbed import programs
from testbed.pod_env import Image

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
# Rook's object store gateway is Ceph (not runnable here): an S3-compatible server stands in for its pod.
S3_STANDIN_IMAGE = "testbed.local/s3-standin:moto-5.2.5"
S3_STANDIN_PORT = 8080  # the container port of Rook's gateway pods


def jupyterhub_images() -> dict[str, Image]:
    """The hub, proxy and every notebook image JupyterHub's component pins."""
    python_path = f"{programs.python_env() / 'bin'}:{SYSTEM_PATH}"
    hub = Image(
        cmd=["jupyterhub", "--config", f"{CONFIG_DIR}/jupyterhub_config.py"],
        env={"PATH": python_path, "HOME": DATA_DIR, "LANG": "C.UTF-8"},
        workdir=DATA_DIR, user=1000, group=1000,
    )
    proxy = Image(
        entrypoint=["configurable-http-proxy"],
        env={"PATH": f"{programs.npm_prefix() / 'bin'}:{SYSTEM_PATH}", "HOME": "/tmp"},
        workdir="/", user=65534, group=65534,
    )
    notebook = Image(
        cmd=["start-notebook.py"],
        env={"PATH": python_path, "HOME": HOME, "NB_USER": "jovyan", "NB_UID": str(NOTEBOOK_UID),
             "NB_GID": str(NOTEBOOK_FS_GID), "LANG": "C.UTF-8", "SHELL": "/bin/bash"},
        workdir=HOME, user=NOTEBOOK_UID, group=NOTEBOOK_FS_GID,
    )
    images = JUPYTERHUB.default_images
    catalog = {images["hub"]: hub, images["proxy"]: proxy}
    catalog.update({ref: notebook for key, ref in images.items() if key.startswith("notebook")})
    return catalog


def spark_operator_images() -> dict[str, Image]:
    """The Spark operator's controller image (2.5.2: user spark 185, SPARK_HOME with spark-submit, Java 17)."""
    home = programs.spark_home()
    controller = Image(
        entrypoint=[str(programs.spark_operator_dir() / "spark-operator")],
        env={"PATH": f"{home / 'bin'}:{SYSTEM_PATH}", "SPARK_HOME": str(home), "HOME": "/home/spark"},
        workdir="/", user=185, group=185, user_name="spark",
    )
    return {SPARK_OPERATOR.default_images["controller"]: controller}


def s3_standin_images() -> dict[str, Image]:
    """moto's S3 server standing in for Rook's object store gateway (user ceph, 167)."""
    python_bin = programs.python_env() / "bin"
    server = Image(entrypoint=[str(python_bin / "moto_server")], cmd=["-H", "0.0.0.0", "-p", str(S3_STANDIN_PORT)],
                   env={"PATH": f"{python_bin}:{SYSTEM_PATH}", "HOME": "/tmp"}, workdir="/", user=167, group=167)
    return {S3_STANDIN_IMAGE: server}


def prometheus_images() -> dict[str, Image]:
    """Prometheus' image (prom/prometheus v3.12.0: entry point /bin/prometheus, user nobody, workdir /prometheus;
    its default command is replaced by the rendered args)."""
    server = Image(entrypoint=[str(programs.prometheus_dir() / "prometheus")],
                   cmd=["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"],
                   env={"PATH": f"{programs.prometheus_dir()}:{SYSTEM_PATH}", "HOME": "/"},
                   workdir="/prometheus", user=65534, group=65534, user_name="nobody")
    return {MONITORING.default_images["prometheus"]: server}


def ai_library_images() -> dict[str, Image]:
    """The AI Library's model server image (ai_library/Dockerfile): MLServer 1.7.1 with odh_ai_library."""
    env = programs.ai_library_env()
    server = Image(
        cmd=["/bin/sh", "-c", 'exec mlserver start "${MLSERVER_MODELS_DIR}"'],
        env={"PATH": f"{env / 'bin'}:{SYSTEM_PATH}", "PYTHONPATH": str(programs.ai_library_package()),
             "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "HOME": "/opt/mlserver",
             "HF_HOME": "/opt/mlserver/.cache/huggingface", "NUMBA_CACHE_DIR": "/opt/mlserver/.cache/numba",
             "MLSERVER_MODELS_DIR": "/mnt/models", "LANG": "C.UTF-8"},
        workdir="/tmp", user=1000, group=1000, user_name="mlserver",
    )
    return {AI_LIBRARY.default_images["server"]: server}


def platform_images() -> dict[str, Image]:
    """Every image the pod runner can run."""
    return {**jupyterhub_images(), **spark_operator_images(), **s3_standin_images(), **prometheus_images(),
            **ai_library_images()}
