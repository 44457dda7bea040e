#!/bin/bash
# The container's liveness probe (the image's HEALTHCHECK and the ECS task definition's). Docker and
# ECS run it in the task every 10 s. It was `node -e fetch(...)`: 120-200 ms of CPU per probe to
# start a Node process (measured 2026-12-03 on the slow 2-core machine), at the same instant in
# every task started together; under a saturated gate that burst showed up as p99 spikes about
# every 10 s. Bash's /dev/tcp costs under 10 ms. Liveness only: /health never touches a dependency.
# Exit 0 only for an HTTP 200 status line; refused, closed, slow (2 s) or any other status is 1.
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8080}" || exit 1
printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 || exit 1
IFS= read -r -t 2 status_line <&3 || exit 1
[[ $status_line == HTTP/1.[01]' 200 '* ]] || exit 1
