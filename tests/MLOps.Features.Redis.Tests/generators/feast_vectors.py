#!/usr/bin/env python3
"""Independent byte vectors for MLOps.Features.Redis, from Feast's documented algorithms.

Run: /usr/bin/python3 tests/MLOps.Features.Redis.Tests/generators/feast_vectors.py > tests/MLOps.Features.Redis.Tests/vectors/feast_vectors.json

Nothing here shares code with the C# implementation:
- MurmurHash3 x86_32 is written from Appleby's reference (MurmurHash3.cpp), checked below against the published
  vectors and SMHasher's verification value 0xB0F57EE3 before anything is printed.
- Entity keys follow feast-dev/feast sdk/python/feast/infra/key_encoding_utils.py (serialize_entity_key, versions 2 and 3):
  sorted(zip(join_keys, values)), u32 LE fields via struct.
- Redis keys and fields follow sdk/python/feast/infra/online_stores/helpers.py (_redis_key, _mmh3) and redis.py.
- Value and Timestamp bytes come from the official protobuf runtime (google.protobuf, as shipped with onnx here),
  with feast.types.Value built from a descriptor that copies protos/feast/types/Value.proto's field numbers.
"""
import json
import math
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.timestamp_pb2 import Timestamp


# ---------------------------------------------------------------- MurmurHash3 x86_32 (reference algorithm)
def murmur3_32(data: bytes, seed: int = 0) -> int:
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & 0xFFFFFFFF
    n = len(data) // 4
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & 0xFFFFFFFF
    for i in range(n):
        k = struct.unpack_from("<I", data, i * 4)[0]
        k = (k * c1) & 0xFFFFFFFF
        k = rotl(k, 15)
        k = (k * c2) & 0xFFFFFFFF
        h ^= k
        h = rotl(h, 13)
        h = (h * 5 + 0xE6546B64) & 0xFFFFFFFF
    tail = data[n * 4:]
    k = 0
    if len(tail) >= 3:
        k ^= tail[2] << 16
    if len(tail) >= 2:
        k ^= tail[1] << 8
    if len(tail) >= 1:
        k ^= tail[0]
        k = (k * c1) & 0xFFFFFFFF
        k = rotl(k, 15)
        k = (k * c2) & 0xFFFFFFFF
        h ^= k
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


# Published vectors (SMHasher; the widely quoted table for MurmurHash3_x86_32; Feast's feast.md examples).
PUBLISHED = [
    ("", 0, 0x00000000), ("", 1, 0x514E28B7), ("", 0xFFFFFFFF, 0x81F16F39),
    ("00000000", 0, 0x2362F9DE), ("ffffffff", 0, 0x76293B50),
    ("21436587", 0, 0xF55B516B), ("21436587", 0x5082EDEE, 0x2362F9DE),
    ("214365", 0, 0x7E4A8634), ("2143", 0, 0xA0F7B07A), ("21", 0, 0x72661CF4),
    ("000000", 0, 0x85F0B427), ("0000", 0, 0x30F4C306), ("00", 0, 0x514E28B7),
    (b"Hello, world!".hex(), 0x9747B28C, 0x24884CBA),
    (b"aaaa".hex(), 0x9747B28C, 0x5A97808A), (b"aaa".hex(), 0x9747B28C, 0x283E0130),
    (b"aa".hex(), 0x9747B28C, 0x5D211726), (b"a".hex(), 0x9747B28C, 0x7FA09EA6),
    (b"abcd".hex(), 0x9747B28C, 0xF0478627), (b"abc".hex(), 0x9747B28C, 0xC84A62DD),
    (b"ab".hex(), 0x9747B28C, 0x74875592),
    (b"The quick brown fox jumps over the lazy dog".hex(), 0x9747B28C, 0x2FA826CD),
    (b"hello".hex(), 0, 0x248BFA47),
    (b"The quick brown fox jumps over the lazy dog".hex(), 0, 0x2E4FF723),
]


def smhasher_verification() -> int:
    """SMHasher VerificationTest: hash keys {}, {0}, {0,1}, ... {0..254} with seed 256-i, then hash the hashes."""
    key = bytes(range(256))
    hashes = b"".join(struct.pack("<I", murmur3_32(key[:i], 256 - i)) for i in range(256))
    return murmur3_32(hashes, 0)


for hex_data, seed, want in PUBLISHED:
    got = murmur3_32(bytes.fromhex(hex_data), seed)
    assert got == want, (hex_data, seed, hex(got), hex(want))
assert smhasher_verification() == 0xB0F57EE3, hex(smhasher_verification())


# ---------------------------------------------------------------- Feast entity keys (key_encoding_utils.py)
VT = {"BYTES": 1, "STRING": 2, "INT32": 3, "INT64": 4}


def serialize_val(kind, v, version):
    if kind == "string":
        return v.encode("utf8"), VT["STRING"]
    if kind == "int32":
        return struct.pack("<i", v), VT["INT32"]
    if kind == "int64":
        return struct.pack("<q", v), VT["INT64"]
    raise ValueError(kind)


def serialize_entity_key(join_keys, values, version):
    pairs = sorted(zip(join_keys, values), key=lambda p: p[0])
    out = []
    if version >= 3:
        out.append(struct.pack("<I", len(pairs)))
    for k, _ in pairs:
        out.append(struct.pack("<I", VT["STRING"]))
        if version >= 3:
            out.append(struct.pack("<I", len(k.encode("utf8"))))
        out.append(k.encode("utf8"))
    for _, (kind, v) in pairs:
        b, t = serialize_val(kind, v, version)
        out.append(struct.pack("<I", t))
        out.append(struct.pack("<I", len(b)))
        out.append(b)
    return b"".join(out)


def mmh3_field(view, feature):
    # helpers._mmh3: mmh3.hash(key, signed=False) -> bytes.fromhex(struct.pack("<Q", h).hex()[:8])
    h = murmur3_32(f"{view}:{feature}".encode("utf8"), 0)
    return bytes.fromhex(struct.pack("<Q", h).hex()[:8])


# ---------------------------------------------------------------- feast.types.Value via the protobuf runtime
def build_value_class():
    f = descriptor_pb2.FileDescriptorProto(name="feast_value_vectors.proto", package="feast.types", syntax="proto3")
    L = descriptor_pb2.FieldDescriptorProto
    lists = {"BytesList": L.TYPE_BYTES, "StringList": L.TYPE_STRING, "Int32List": L.TYPE_INT32,
             "Int64List": L.TYPE_INT64, "DoubleList": L.TYPE_DOUBLE, "FloatList": L.TYPE_FLOAT, "BoolList": L.TYPE_BOOL}
    for name, t in lists.items():
        m = f.message_type.add(name=name)
        m.field.add(name="val", number=1, type=t, label=L.LABEL_REPEATED)
    f.enum_type.add(name="Null").value.add(name="NULL", number=0)
    v = f.message_type.add(name="Value")
    v.oneof_decl.add(name="val")
    scalars = [("bytes_val", 1, L.TYPE_BYTES), ("string_val", 2, L.TYPE_STRING), ("int32_val", 3, L.TYPE_INT32),
               ("int64_val", 4, L.TYPE_INT64), ("double_val", 5, L.TYPE_DOUBLE), ("float_val", 6, L.TYPE_FLOAT),
               ("bool_val", 7, L.TYPE_BOOL), ("unix_timestamp_val", 8, L.TYPE_INT64)]
    for name, num, t in scalars:
        v.field.add(name=name, number=num, type=t, label=L.LABEL_OPTIONAL, oneof_index=0)
    msgs = [("bytes_list_val", 11, "BytesList"), ("string_list_val", 12, "StringList"), ("int32_list_val", 13, "Int32List"),
            ("int64_list_val", 14, "Int64List"), ("double_list_val", 15, "DoubleList"), ("float_list_val", 16, "FloatList"),
            ("bool_list_val", 17, "BoolList"), ("unix_timestamp_list_val", 18, "Int64List")]
    for name, num, tn in msgs:
        v.field.add(name=name, number=num, type=L.TYPE_MESSAGE, type_name=".feast.types." + tn, label=L.LABEL_OPTIONAL, oneof_index=0)
    v.field.add(name="null_val", number=19, type=L.TYPE_ENUM, type_name=".feast.types.Null", label=L.LABEL_OPTIONAL, oneof_index=0)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    desc = pool.FindMessageTypeByName("feast.types.Value")
    try:
        return message_factory.GetMessageClass(desc)
    except AttributeError:
        return message_factory.MessageFactory(pool).GetPrototype(desc)


Value = build_value_class()


def value_bytes(kind, v):
    m = Value()
    if kind == "null":
        pass
    elif kind == "null_val":
        m.null_val = 0
    elif kind.endswith("_list"):
        field = {"bytes_list": "bytes_list_val", "string_list": "string_list_val", "int32_list": "int32_list_val",
                 "int64_list": "int64_list_val", "double_list": "double_list_val", "float_list": "float_list_val",
                 "bool_list": "bool_list_val", "unix_timestamp_list": "unix_timestamp_list_val"}[kind]
        items = [decode_json(kind[:-5], x) for x in v]
        getattr(m, field).SetInParent()
        getattr(m, field).val.extend(items)
    else:
        setattr(m, kind + "_val", decode_json(kind, v))
    return m.SerializeToString()


def decode_json(kind, v):
    if kind in ("double", "float") and isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0.0": -0.0}[v]
    if kind == "bytes":
        return bytes.fromhex(v)
    return v


VALUES = [
    ("null", None), ("null_val", None),
    ("bytes", ""), ("bytes", "00ff10"),
    ("string", ""), ("string", "test"), ("string", "héllo wörld 東京 🌍"),
    ("int32", 0), ("int32", 7), ("int32", -1), ("int32", 2147483647), ("int32", -2147483648),
    ("int64", 0), ("int64", 308), ("int64", -1), ("int64", 9223372036854775807), ("int64", -9223372036854775808),
    ("double", 1.5), ("double", 0.0), ("double", "-0.0"), ("double", "nan"), ("double", "inf"), ("double", "-inf"), ("double", -2.25e-300),
    ("float", 0.5), ("float", -3.0), ("float", "nan"), ("float", "-inf"),
    ("bool", True), ("bool", False),
    ("unix_timestamp", 1700000000), ("unix_timestamp", 0), ("unix_timestamp", -86400),
    ("bytes_list", ["", "01", "ffee"]), ("bytes_list", []),
    ("string_list", ["a", "", "Zürich"]), ("string_list", []),
    ("int32_list", [1, -1, 300]), ("int32_list", []),
    ("int64_list", [1001, -5, 9223372036854775807]), ("int64_list", []),
    ("double_list", [0.1, "nan", "-inf"]), ("double_list", []),
    ("float_list", [0.5, -1.25]), ("float_list", []),
    ("bool_list", [True, False, True]), ("bool_list", []),
    ("unix_timestamp_list", [1700000000, -1]), ("unix_timestamp_list", []),
]

ENTITY_KEYS = [
    # (name, [(join_key, kind, value)...])
    ("feast.md worked example", [("driver_id", "int64", 1001)]),
    ("composite, keys sorted", [("user", "int64", 32768), ("customer", "string", "test")]),
    ("entity-less view", [("__dummy_id", "string", "")]),
    ("negative int64", [("driver_id", "int64", -1)]),
    ("negative int32", [("store_id", "int32", -5)]),
    ("int64 extremes", [("a", "int64", 9223372036854775807), ("b", "int64", -9223372036854775808)]),
    ("unicode key name and value", [("clé", "string", "Zürich 東京 🌍")]),
    ("three keys, mixed types", [("zone", "string", "eu-west"), ("merchant_id", "int32", 42), ("customer_id", "int64", 123456789012)]),
]

FIELDS = [("driver_hourly_stats", "conv_rate"), ("driver_hourly_stats", "acc_rate"), ("driver_hourly_stats", "avg_daily_trips"),
          ("v", "x"), ("transactions_v2", "amount"), ("vue", "données_é"), ("视图", "特征")]

TIMESTAMPS = [(1700000000, 0), (1700000000, 500000000), (0, 0), (-1, 999999900), (1, 200)]  # nanos in whole 100 ns ticks (.NET precision)

out = {
    "generator": "tests/MLOps.Features.Redis.Tests/generators/feast_vectors.py",
    "project": "my_project",
    "murmur3": [{"hex": h, "seed": s, "hash": w} for h, s, w in PUBLISHED],
    "murmur3_verification": smhasher_verification(),
    "entity_keys": [
        {"name": n, "keys": [{"join_key": k, "kind": kind, "value": v} for k, kind, v in ks],
         "v3": serialize_entity_key([k for k, _, _ in ks], [(kind, v) for _, kind, v in ks], 3).hex(),
         "v2": serialize_entity_key([k for k, _, _ in ks], [(kind, v) for _, kind, v in ks], 2).hex(),
         "redis_key_v3": (serialize_entity_key([k for k, _, _ in ks], [(kind, v) for _, kind, v in ks], 3) + b"my_project").hex()}
        for n, ks in ENTITY_KEYS
    ],
    "fields": [{"view": v, "feature": f, "field": mmh3_field(v, f).hex(), "ts_field": f"_ts:{v}".encode("utf8").hex()} for v, f in FIELDS],
    "values": [{"kind": k, "value": v, "hex": value_bytes(k, v).hex()} for k, v in VALUES],
    "timestamps": [{"seconds": s, "nanos": n, "hex": Timestamp(seconds=s, nanos=n).SerializeToString().hex()} for s, n in TIMESTAMPS],
}
json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")
