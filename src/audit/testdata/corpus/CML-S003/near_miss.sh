#!/bin/sh
export GITHUB_TOKEN_VALUE="$GITHUB_TOKEN"
echo "tokens look like ghp_ followed by 36 characters"
