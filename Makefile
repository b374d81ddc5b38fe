# The two set-up commands. Both bootstrap the machine first (Node 22, Yarn, Debian packages, the Go-built local
# control plane), all cached outside the clone, so a second run does nothing heavy.
.PHONY: dev test screenshots

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

# Not a set-up command: refreshes the committed docs/screenshots/ from a browser run against a fresh portal.
screenshots:
	bash scripts/screenshots.sh
