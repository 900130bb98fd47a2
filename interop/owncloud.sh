#!/usr/bin/env bash
# The ownCloud desktop client (owncloudcmd) through the same steps as interop/nextcloud.sh.
SYNC_CLIENT=owncloud exec bash "$(dirname "$0")/nextcloud.sh" "$@"
