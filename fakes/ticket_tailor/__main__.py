"""python -m fakes.ticket_tailor: serves a seeded fake Ticket Tailor API until Ctrl-C."""

from __future__ import annotations

from fakes.server import command_line
from fakes.ticket_tailor.api import TicketTailorFake


def main(argv: list[str] | None = None) -> None:
    parser = command_line("Ticket Tailor", port=8765)
    parser.add_argument("--orders", type=int, default=2000, help="orders generated")
    parser.add_argument("--api-key", default="sk_test_fake", help="accepted as the Basic auth user")
    args = parser.parse_args(argv)
    fake = TicketTailorFake(api_key=args.api_key, seed=args.seed)
    fake.latency = args.latency
    fake.seed_data(orders=args.orders)
    fake.run(args.port)


if __name__ == "__main__":
    main()
