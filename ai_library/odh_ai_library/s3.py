"""Model files from the data lake: copy ``s3://bucket/prefix/`` to a local folder at load time, with boto3.

Credentials and endpoint come from the standard AWS variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_ENDPOINT_URL``), which the operator fills from the object store user's Secret. Every failure (no such
bucket, no object, refused credentials, unreachable endpoint) is raised as ``ModelFilesError`` naming the
bucket and key, which MLServer logs when the model fails to load.
"""

import os
import shutil
from pathlib import Path


class ModelFilesError(RuntimeError):
    """The model files could not be read from S3; the message names the bucket, key and endpoint."""


def split(uri: str) -> tuple[str, str]:
    """(bucket, key prefix ending in "/" or empty) of an ``s3://bucket/prefix`` uri."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""


def download(uri: str, folder: Path, required: str) -> Path:
    """Every object under the ``s3://bucket/prefix`` uri, written below ``folder`` (emptied first, so no file of
    an earlier copy stays); ``required`` must be one of them. Returns ``folder``."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = split(uri)
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    where = f"s3://{bucket}/{prefix}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    found: list[str] = []
    key = ""
    try:
        client = boto3.client("s3")
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                relative = key[len(prefix):]
                if not relative or relative.endswith("/") or ".." in Path(relative).parts:
                    continue
                target = folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, key, str(target))
                found.append(relative)
    except (BotoCoreError, ClientError) as error:
        what = f"object s3://{bucket}/{key}" if key else f"the objects under {where}"
        raise ModelFilesError(f"cannot read {what} from {endpoint}: {error}") from None
    if required not in found:
        listed = f"it holds {sorted(found)[:10]}" if found else "no object is there"
        raise ModelFilesError(f"model file s3://{bucket}/{prefix}{required} not found at {endpoint} ({listed})")
    return folder
