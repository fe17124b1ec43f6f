import sys

import yaml

params = yaml.safe_load(open("params.yaml"))["prepare"]
lines = open(sys.argv[1]).read().splitlines()
header, rows = lines[0], lines[1:]
cut = int(len(rows) * (1 - params["split"]))
with open("data/prepared/train.csv", "w") as f:
    f.write("\n".join([header] + rows[:cut]) + "\n")
with open("data/prepared/test.csv", "w") as f:
    f.write("\n".join([header] + rows[cut:]) + "\n")
