#!/bin/bash
eval "set -- a b c"
echo "eval is not used on input"
