import pickle
import sys

import yaml

params = yaml.safe_load(open("params.yaml"))["train"]
model = {"n_est": params["n_est"], "min_split": params["min_split"], "data": sys.argv[1]}
pickle.dump(model, open(sys.argv[2], "wb"))
