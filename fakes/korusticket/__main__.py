"""python -m fakes.korusticket: serves a seeded fake KorusTicket API and its token endpoint until
Ctrl-C."""

from __future__ import annotations

from fakes.korusticket.api import KorusTicketFake
from fakes.server import command_line


def main(argv: list[str] | None = None) -> None:
    parser = command_line("KorusTicket", port=8767)
    parser.add_argument("--orders", type=int, default=500, help="orders generated")
    parser.add_argument("--reservations", type=int, default=100, help="reservations generated")
    parser.add_argument("--client-id", default="korus-test-client", help="OAuth2 client accepted")
    parser.add_argument("--client-secret", default="korus-test-secret", help="its secret")
    parser.add_argument("--token-ttl", type=int, default=1800, help="seconds an access token lasts")
    args = parser.parse_args(argv)
    fake = KorusTicketFake(
        client_id=args.client_id,
        client_secret=args.client_secret,
        seed=args.seed,
        token_ttl=args.token_ttl,
    )
    fake.latency = args.latency
    fake.seed_data(orders=args.orders, reservations=args.reservations)
    fake.run(args.port)


if __name__ == "__main__":
    main()
