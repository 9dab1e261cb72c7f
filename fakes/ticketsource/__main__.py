"""python -m fakes.ticketsource: serves a seeded fake TicketSource API until Ctrl-C."""

from __future__ import annotations

from fakes.server import command_line
from fakes.ticketsource.api import TicketSourceFake


def main(argv: list[str] | None = None) -> None:
    parser = command_line("TicketSource", port=8766)
    parser.add_argument("--events", type=int, default=20, help="events generated")
    parser.add_argument("--api-key", default="skl-test-fake", help="accepted as the Bearer token")
    args = parser.parse_args(argv)
    fake = TicketSourceFake(api_key=args.api_key, seed=args.seed)
    fake.latency = args.latency
    fake.seed_data(events=args.events)
    fake.run(args.port)


if __name__ == "__main__":
    main()
