"""Model files from the data lake: copy ``s3://bucket/prefix/`` to a local folder once, with boto3.

Credentials and endpoint come from the standard AWS variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_ENDPOINT_URL``), which the operator fills from the object store user's Secret.
"""

from pathlib import Path


def download(uri: str, folder: Path) -> Path:
    """Every object under the ``s3://bucket/prefix`` uri, written below ``folder``; returns ``folder``."""
    import boto3

    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    client = boto3.client("s3")
    found = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            relative = item["Key"][len(prefix):]
            if not relative or relative.endswith("/") or ".." in Path(relative).parts:
                continue
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, item["Key"], str(target))
            found += 1
    if not found:
        raise FileNotFoundError(f"no model files under {uri}")
    return folder
