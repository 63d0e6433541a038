#!/usr/bin/python3
"""A KServe Open Inference Protocol gRPC client the project did not write:
Debian's python3-grpcio with stubs that grpc_tools.protoc generates, at test
time, from src/serving/grpc/grpc_predict_v2.proto. Used by
grpc_e2e_test.sh (checks) and bench/grpc_load.sh (throughput).

  oip_grpc_client.py check GRPC_ADDR HTTP_URL KEY CSV
      prints one line per check: "ok <what>" or "FAIL <what>: <detail>"
  oip_grpc_client.py variants GRPC_ADDR HTTP_URL KEY CSV CHALLENGER_WEIGHT
      against `serve --variant challenger=...:WEIGHT --shadow ...`: the split
      observed over gRPC, stickiness, the same variant as HTTP /predict,
      the variant metrics, explain by the variant's model, the shadow; same
      output as check
  oip_grpc_client.py ratelimit GRPC_ADDR KEY CSV
      against `serve --rate-limit 1 --rate-burst 2`: ModelInfer past the
      burst is RESOURCE_EXHAUSTED with retry-after metadata
  oip_grpc_client.py bench GRPC_ADDR KEY CSV SECONDS THREADS ROWS [HTTP_URL]
      ModelInfer in a loop (or, with HTTP_URL, the same rows to HTTP /infer); prints JSON {"requests":..,"seconds":..,"rps":..,"p50_ms":..,"p99_ms":..}
"""
import csv
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "src", "serving", "grpc")
STUBS = tempfile.mkdtemp(prefix="oip-stubs-")
subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + PROTO_DIR,
                "--python_out=" + STUBS, "--grpc_python_out=" + STUBS,
                os.path.join(PROTO_DIR, "grpc_predict_v2.proto")], check=True)
sys.path.insert(0, STUBS)
import grpc  # noqa: E402
import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as pb_grpc  # noqa: E402

NUMERIC = {"SeniorCitizen": "INT64", "tenure": "INT64", "MonthlyCharges": "FP64",
           "TotalCharges": "FP64"}


def read_rows(path, limit):
    with open(path) as f:
        rows = list(csv.DictReader(f))[:limit]
    for r in rows:
        r.pop("Churn", None)
    return rows


def column_values(rows, name):
    if name not in NUMERIC:
        return [r[name] for r in rows]
    if NUMERIC[name] == "INT64":
        return [int(r[name]) for r in rows]
    return [float(r[name]) if r[name].strip() else float("nan") for r in rows]


def infer_request(rows, raw=False, explain=False, model="churn"):
    req = pb.ModelInferRequest(model_name=model, id="e2e")
    for name in rows[0].keys():
        values = column_values(rows, name)
        dt = NUMERIC.get(name, "BYTES")
        t = req.inputs.add(name=name, datatype=dt, shape=[len(values)])
        if raw:
            if dt == "BYTES":
                req.raw_input_contents.append(
                    b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in values))
            else:
                req.raw_input_contents.append(
                    struct.pack("<%d%s" % (len(values), "q" if dt == "INT64" else "d"), *values))
        elif dt == "BYTES":
            t.contents.bytes_contents.extend(v.encode() for v in values)
        elif dt == "INT64":
            t.contents.int64_contents.extend(values)
        else:
            t.contents.fp64_contents.extend(values)
    if explain:
        req.parameters["explain"].bool_param = True
    return req


def http_infer(url, key, rows):
    inputs = []
    for name in rows[0].keys():
        values = column_values(rows, name)
        values = [None if isinstance(v, float) and math.isnan(v) else v for v in values]
        inputs.append({"name": name, "datatype": NUMERIC.get(name, "BYTES"),
                       "shape": [len(values)], "data": values})
    body = json.dumps({"inputs": inputs}).encode()
    req = urllib.request.Request(url + "/v2/models/churn/infer", data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=30) as resp:
        doc = json.load(resp)
    return {o["name"]: o["data"] for o in doc["outputs"]}


def output(resp, name):
    for o in resp.outputs:
        if o.name == name:
            return o
    return None


class Checks:
    def __init__(self):
        self.failed = 0

    def expect(self, ok, what, detail=""):
        if ok:
            print("ok", what)
        else:
            self.failed += 1
            print("FAIL", what + ":", detail)


def check(addr, http_url, key, data):
    c = Checks()
    rows = read_rows(data, 50)
    auth = (("authorization", "Bearer " + key),)
    stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(addr))

    c.expect(stub.ServerLive(pb.ServerLiveRequest(), timeout=10).live, "ServerLive without a key")
    c.expect(stub.ServerReady(pb.ServerReadyRequest(), timeout=10).ready, "ServerReady")
    for what, metadata in (("without a key", ()),
                           ("with a wrong key", (("authorization", "Bearer " + "x" * 40),))):
        try:
            stub.ModelInfer(infer_request(rows[:1]), metadata=metadata, timeout=10)
            c.expect(False, "ModelInfer " + what + " is refused", "it was answered")
        except grpc.RpcError as e:
            c.expect(e.code() == grpc.StatusCode.UNAUTHENTICATED,
                     "ModelInfer " + what + " is UNAUTHENTICATED", str(e.code()))
    try:
        stub.ServerMetadata(pb.ServerMetadataRequest(), timeout=10)
        c.expect(False, "ServerMetadata without a key is refused", "it was answered")
    except grpc.RpcError as e:
        c.expect(e.code() == grpc.StatusCode.UNAUTHENTICATED,
                 "ServerMetadata without a key is UNAUTHENTICATED", str(e.code()))

    meta = stub.ServerMetadata(pb.ServerMetadataRequest(), metadata=auth, timeout=10)
    c.expect(meta.name == "churnml", "ServerMetadata name", meta.name)
    mm = stub.ModelMetadata(pb.ModelMetadataRequest(name="churn"), metadata=auth, timeout=10)
    names = [i.name for i in mm.inputs]
    c.expect(names[:2] == ["customerID", "gender"] and "Churn" not in names,
             "ModelMetadata inputs", str(names))
    c.expect([o.name for o in mm.outputs] ==
             ["probability", "prediction", "contributions", "base_value"],
             "ModelMetadata outputs", str([o.name for o in mm.outputs]))
    c.expect(stub.ModelReady(pb.ModelReadyRequest(name="churn"), metadata=auth, timeout=10).ready,
             "ModelReady")

    typed = stub.ModelInfer(infer_request(rows), metadata=auth, timeout=30)
    raw = stub.ModelInfer(infer_request(rows, raw=True), metadata=auth, timeout=30)
    http = http_infer(http_url, key, rows)
    p_grpc = list(output(typed, "probability").contents.fp64_contents)
    p_raw = list(output(raw, "probability").contents.fp64_contents)
    c.expect(len(p_grpc) == len(rows), "ModelInfer answers every row", str(len(p_grpc)))
    c.expect(p_grpc == http["probability"], "gRPC probabilities equal HTTP /infer's, bit for bit",
             str(list(zip(p_grpc, http["probability"]))[:3]))
    c.expect(p_raw == p_grpc, "raw_input_contents give the same probabilities")
    c.expect(list(output(typed, "prediction").contents.int64_contents) == http["prediction"],
             "gRPC predictions equal HTTP's")
    c.expect(typed.model_name == "churn" and typed.id == "e2e", "response names model and id")

    explained = stub.ModelInfer(infer_request(rows, explain=True), metadata=auth, timeout=30)
    contrib = output(explained, "contributions")
    base = output(explained, "base_value")
    ok = contrib is not None and base is not None
    c.expect(ok, "explain adds contributions and base_value")
    if ok:
        features = contrib.parameters["features"].string_param.split(",")
        c.expect(contrib.parameters["unit"].string_param == "log-odds", "unit is log-odds")
        c.expect(list(contrib.shape) == [len(rows), len(features)] and len(features) == 19,
                 "contributions are [N, 19 raw features]", str(list(contrib.shape)))
        values = list(contrib.contents.fp64_contents)
        probs = list(output(explained, "probability").contents.fp64_contents)
        worst = 0.0
        for r, p in enumerate(probs):
            terms = [base.contents.fp64_contents[r]] + values[r * 19:(r + 1) * 19]
            err = abs(sum(terms) - math.log(p / (1 - p))) / sum(abs(t) for t in terms)
            worst = max(worst, err)
        c.expect(worst < 1e-6, "base + contributions = logit(probability) for every row",
                 "worst relative error %g" % worst)
        c.expect(probs == p_grpc, "explained probabilities equal unexplained ones")

    bad = infer_request(rows[:2])
    bad.inputs[5].contents.int64_contents[0] = 99
    try:
        stub.ModelInfer(bad, metadata=auth, timeout=10)
        c.expect(False, "a bad element is refused", "it was answered")
    except grpc.RpcError as e:
        c.expect(e.code() == grpc.StatusCode.INVALID_ARGUMENT and "tenure" in e.details(),
                 "a bad element is INVALID_ARGUMENT naming the input", e.details())
    try:
        stub.ModelInfer(infer_request(rows[:1], model="other"), metadata=auth, timeout=10)
        c.expect(False, "another model name is refused", "it was answered")
    except grpc.RpcError as e:
        c.expect(e.code() == grpc.StatusCode.NOT_FOUND, "another model name is NOT_FOUND",
                 str(e.code()))
    return c.failed


def http_json(url, key, path, body=None):
    req = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                 method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp) if path != "/metrics" else resp.read().decode()


def variant_series(metrics_text, variant):
    """Sum of churnml_variant_predictions_total over classes for `variant`."""
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith("churnml_variant_predictions_total{") and \
                'variant="%s"' % variant in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def customer(row, i):
    r = dict(row)
    r["customerID"] = "cust-%05d" % i
    return r


def json_customer(row):
    """The row as a /predict body: numbers as numbers, a blank as null."""
    out = {}
    for name, value in row.items():
        if name not in NUMERIC:
            out[name] = value
        elif not value.strip():
            out[name] = None
        else:
            out[name] = int(value) if NUMERIC[name] == "INT64" else float(value)
    return out


def variants(addr, http_url, key, data, weight):
    c = Checks()
    base = read_rows(data, 1)[0]
    auth = (("authorization", "Bearer " + key),)
    stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(addr))
    n = 2000
    seen = {}
    metrics_before = variant_series(http_json(http_url, key, "/metrics"), "challenger")
    offered_before = http_json(http_url, key, "/experiments")["shadow"]["offered"]
    for i in range(n):
        resp, call = stub.ModelInfer.with_call(infer_request([customer(base, i)]), metadata=auth,
                                               timeout=30)
        v = resp.parameters["variant"].string_param
        header = dict(call.initial_metadata()).get("x-churnml-variant")
        if header != v:
            c.expect(False, "x-churnml-variant metadata names the variant", "%s vs %s" % (header, v))
            return c.failed
        seen[i] = v
    challenger = sum(1 for v in seen.values() if v == "challenger")
    p = weight / 100.0
    sd = math.sqrt(n * p * (1 - p))
    c.expect(abs(challenger - n * p) <= 5 * sd,
             "%g/%g split over gRPC within 5 sd (%d of %d to challenger, expected %g +- %.0f)"
             % (100 - weight, weight, challenger, n, n * p, 5 * sd))
    c.expect(set(seen.values()) == {"primary", "challenger"}, "both variants answered",
             str(set(seen.values())))
    # The variant metrics count gRPC answers, one row per call.
    metrics_after = variant_series(http_json(http_url, key, "/metrics"), "challenger")
    c.expect(metrics_after - metrics_before == challenger,
             "churnml_variant_predictions_total{variant=challenger} counts the gRPC answers",
             "%g -> %g for %d" % (metrics_before, metrics_after, challenger))
    # Sticky: the same customer again gets the same variant, over gRPC and HTTP.
    again = 0
    same_http = 0
    probe = list(range(0, n, 10))
    for i in probe:
        resp = stub.ModelInfer(infer_request([customer(base, i)]), metadata=auth, timeout=30)
        again += resp.parameters["variant"].string_param == seen[i]
        body = http_json(http_url, key, "/predict", json_customer(customer(base, i)))
        same_http += body.get("variant") == seen[i]
        if body.get("variant") != seen[i]:
            c.expect(False, "HTTP /predict picks the variant gRPC picked",
                     "customer %d: gRPC %s, HTTP %s" % (i, seen[i], body.get("variant")))
            break
    c.expect(again == len(probe), "the same customer gets the same variant again over gRPC",
             "%d of %d" % (again, len(probe)))
    c.expect(same_http == len(probe), "a customer sees the same variant over gRPC and HTTP",
             "%d of %d" % (same_http, len(probe)))
    # Explain on a challenger customer is the challenger's model's.
    ci = next(i for i, v in seen.items() if v == "challenger")
    pi = next(i for i, v in seen.items() if v == "primary")
    for idx, name in ((ci, "challenger"), (pi, "primary")):
        rows = [customer(base, idx)]
        explained = stub.ModelInfer(infer_request(rows, explain=True), metadata=auth, timeout=30)
        http = http_json(http_url, key, "/explain", json_customer(rows[0]))
        prob = output(explained, "probability").contents.fp64_contents[0]
        contrib = list(output(explained, "contributions").contents.fp64_contents)
        b = output(explained, "base_value").contents.fp64_contents[0]
        err = abs(b + sum(contrib) - math.log(prob / (1 - prob))) / (abs(b) + sum(map(abs, contrib)))
        c.expect(explained.parameters["variant"].string_param == name and
                 http.get("variant") == name,
                 "explain of a %s customer answered by %s over gRPC and HTTP" % (name, name),
                 "%s / %s" % (explained.parameters["variant"].string_param, http.get("variant")))
        c.expect(err < 1e-6, "%s explanation adds up to its logit over gRPC" % name,
                 "relative error %g" % err)
        c.expect(prob == http["probability"] and explained.model_version == http["version"],
                 "gRPC and HTTP explain with the same %s model" % name,
                 "%r v%s vs %r v%s" % (prob, explained.model_version, http["probability"],
                                       http["version"]))
        http_terms = [http["base_value"]] + list(http["contributions"].values())
        http_p = http["probability"]
        http_err = abs(sum(http_terms) - math.log(http_p / (1 - http_p))) / \
            sum(abs(t) for t in http_terms)
        c.expect(len(http_terms) == 20 and http_err < 1e-6,
                 "%s explanation adds up to its logit over HTTP /explain" % name,
                 "%d terms, relative error %g" % (len(http_terms), http_err))
        http_base = http["base_value"]
        c.expect(abs(http_base - b) <= 1e-12 * max(1.0, abs(b)),
                 "gRPC and HTTP give the %s's base value" % name, "%r vs %r" % (b, http_base))
    # Every model-answered gRPC call was offered to the shadow.
    offered = http_json(http_url, key, "/experiments")["shadow"]["offered"]
    c.expect(offered - offered_before >= n, "the shadow is offered the gRPC requests",
             "%d -> %d for %d calls" % (offered_before, offered, n))
    return c.failed


def ratelimit(addr, key, data):
    c = Checks()
    rows = read_rows(data, 1)
    auth = (("authorization", "Bearer " + key),)
    stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(addr))
    refused = None
    answered = 0
    for _ in range(10):
        try:
            stub.ModelInfer(infer_request(rows), metadata=auth, timeout=10)
            answered += 1
        except grpc.RpcError as e:
            refused = e
            break
    c.expect(refused is not None and refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED,
             "ModelInfer past the burst is RESOURCE_EXHAUSTED",
             "answered %d, then %s" % (answered, refused.code() if refused else "nothing"))
    c.expect(answered >= 1, "the burst is answered", str(answered))
    if refused is not None:
        trailing = dict(refused.trailing_metadata() or ())
        c.expect(int(trailing.get("retry-after", "0")) >= 1, "with retry-after metadata",
                 str(trailing))
    return c.failed


def bench(addr, key, data, seconds, threads, batch, http_url=None):
    """ModelInfer over gRPC, or (http_url set) the same rows to HTTP /infer."""
    rows = read_rows(data, batch)
    req = infer_request(rows)
    auth = (("authorization", "Bearer " + key),)
    latencies = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(addr))
        mine = []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            if http_url:
                http_infer(http_url, key, rows)
            else:
                stub.ModelInfer(req, metadata=auth, timeout=30)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    start = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()
    pct = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(json.dumps({"protocol": "http /infer" if http_url else "grpc ModelInfer",
                      "requests": len(latencies), "seconds": round(elapsed, 2),
                      "rps": round(len(latencies) / elapsed, 1), "rows_per_request": batch,
                      "threads": threads, "p50_ms": round(pct(0.5), 3),
                      "p99_ms": round(pct(0.99), 3)}))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "check":
        sys.exit(1 if check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]) else 0)
    if sys.argv[1] == "variants":
        sys.exit(1 if variants(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
                               float(sys.argv[6])) else 0)
    if sys.argv[1] == "ratelimit":
        sys.exit(1 if ratelimit(sys.argv[2], sys.argv[3], sys.argv[4]) else 0)
    sys.exit(bench(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]),
                   int(sys.argv[7]), sys.argv[8] if len(sys.argv) > 8 else None))
