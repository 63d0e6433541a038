#!/bin/sh
curl -fsSL https://example.com/model.bin -o model.bin
wget https://example.com/data.csv
