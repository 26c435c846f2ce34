"""hack/kind-loop-device.sh, run against a stand-in for docker and kind: the node commands run here, with the
real losetup, and the section it prints is a valid rookCeph spec that uses the attached device."""

import os
import subprocess
from pathlib import Path

import yaml

from odh_operator.api.spec import OpenDataHubSpec

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "hack" / "kind-loop-device.sh"
FAKE_DOCKER = """#!/usr/bin/env bash
# docker exec [-e K=V]... NODE CMD... runs CMD here with those variables
shift
envs=()
while [[ $1 == -e ]]; do envs+=("$2"); shift 2; done
shift
exec env "${envs[@]}" "$@"
"""
FAKE_KIND = "#!/usr/bin/env bash\nprintf 'kind-control-plane\\nkind-worker\\n'\n"


def run(tmp_path: Path, command: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (("docker", FAKE_DOCKER), ("kind", FAKE_KIND)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "OSD_IMAGE_FILE": str(tmp_path / "osd.img"),
           "OSD_SIZE": "64M"}
    return subprocess.run([str(SCRIPT), command], env=env, capture_output=True, text=True, check=False)


def attached(image: Path) -> str:
    return subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True, check=True).stdout


def test_create_prints_a_devices_section_for_the_workers_and_remove_detaches(tmp_path: Path) -> None:
    image = tmp_path / "osd.img"
    try:
        created = run(tmp_path, "create")
        assert created.returncode == 0, created.stderr
        section = yaml.safe_load(created.stdout)
        storage = section["rookCeph"]["storage"]
        [node] = storage["nodes"]
        assert node["name"] == "kind-worker", "workers only, never the control plane"
        assert f"/dev/{node['devices'][0]}:" in attached(image)
        spec = OpenDataHubSpec.model_validate(
            {"rookCeph": {"enabled": True, "monCount": 1, "objectStore": {"replicas": 1}, **section["rookCeph"]}},
            by_alias=True,
        )
        assert spec.rook_ceph.storage.mode == "devices" and spec.rook_ceph.storage.allow_loop_devices
        again = run(tmp_path, "create")
        assert yaml.safe_load(again.stdout) == section, "running it twice reuses the attached device"
    finally:
        removed = run(tmp_path, "remove")
    assert removed.returncode == 0, removed.stderr
    assert attached(image) == "" and not image.exists()
