"""Serve the application locally: ``python -m web [--port 5000]``."""

from __future__ import annotations

import argparse

from outreach import db
from outreach.planning.jobs import recover_interrupted
from web import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serveur local Outreach")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    app = create_app({"LOCAL_SERVER": True})
    with db.unit_of_work(app.config["DATABASE_URL"]) as session:
        recover_interrupted(session)
    base = f"http://{args.host}:{args.port}"
    print("Outreach est prêt :")
    print(f"  Familles — prochain passage près de chez moi : {base}/")
    print(f"  Coordination — versions de plan :             {base}/coordination/plans")
    app.run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    main()
