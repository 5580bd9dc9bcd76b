"""Promote a tested digest through environments in an on-disk OCI layout, then plan retention.

Runs with no registry and no account: the images are small build-free images written into
an OCI image layout (the format skopeo and umoci read) in a temporary directory.

    .venv/bin/python examples/promote_in_a_layout.py
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone

from mosaic_sdk import ImageTag, OCILayout, Promotion, RetentionPolicy
from mosaic_sdk.testing import push_image

REPO = "team/api"


def main() -> None:
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as root:
        layout = OCILayout(root)
        # Three CI builds of the same release line, and an old one nobody deploys.
        push_image(layout, REPO, "sha-0a1b2c3", created=now - timedelta(days=40))
        rc1 = push_image(
            layout, REPO, "sha-1111111", "v1.4.0-rc.1", created=now - timedelta(days=3)
        )
        rc2 = push_image(
            layout, REPO, "sha-2222222", "v1.4.0-rc.2", created=now - timedelta(hours=5)
        )
        print(f"built {rc1.digest.short} (rc.1) and {rc2.digest.short} (rc.2)")

        promotion = Promotion(layout, REPO, actor="example")
        for record in (
            promotion.promote(ImageTag.parse("v1.4.0-rc.2"), to="testing"),
            # No staging tag in this repository: testing -> prod is the allowed order.
            promotion.promote(rc2.digest, to="prod"),
            promotion.promote(rc2.digest, to="prod"),  # a repeat is a no-op that says so
        ):
            print(record)

        plan = RetentionPolicy(sha_max_age=timedelta(days=14)).plan(layout, REPO, now=now)
        print(plan)
        print("would delete:", plan.to_delete)
        result = plan.apply(layout)
        print(result)
        print("tags left:", layout.list_tags(REPO))


if __name__ == "__main__":
    main()
