"""Record keys computed column-wise on the platform equal the node's `record_key` (R12)."""

from types import SimpleNamespace

import pyarrow as pa
import pytest

from govshare.core.exceptions import ValidationError
from govshare.exchange.batches import rows_of
from govshare.node.protocol import record_key


def _items(*keys, others=("name",)):
    return [SimpleNamespace(identifier=k, is_key=True, data_type="string") for k in keys] + [
        SimpleNamespace(identifier=o, is_key=False, data_type="string") for o in others]


@pytest.mark.parametrize("column", [
    pa.array(["130102199001011234", "130104199202022345"]),
    pa.array([7, 12], pa.int64()),
])
def test_r12_one_column_keys_match_the_nodes_record_key(column):
    table = pa.table({"k": column, "name": ["张三", "李四"]})
    rows = rows_of(table, _items("k"))
    assert rows.keys.to_pylist() == [record_key([v]) for v in column.to_pylist()]


def test_r12_composite_keys_match_the_nodes_record_key():
    table = pa.table({"a": ["130102", "130104"], "b": pa.array([1, 2], pa.int64()),
                      "name": ["张三", "李四"]})
    rows = rows_of(table, _items("a", "b"))
    assert rows.keys.to_pylist() == [record_key(["130102", 1]), record_key(["130104", 2])]


def test_r12_a_repeated_key_is_refused_by_name():
    table = pa.table({"k": ["x", "y", "x"], "name": ["a", "b", "c"]})
    with pytest.raises(ValidationError) as refused:
        rows_of(table, _items("k"))
    assert "x" in str(refused.value.field_errors["k"])
