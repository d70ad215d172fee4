#!/bin/sh
# Ignores SIGTERM and sleeps; $1 is a marker the soak suite finds it by in /proc.
trap '' TERM
exec sleep "$1"
