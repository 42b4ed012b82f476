import logging

from audit.logging import MaskPersonalData, contains_personal_data, mask


def test_it_masks_mobile_and_id_numbers():
    text = "家长 13900000001 核验 410102201503051236 学籍号 G410102201503051236"
    masked = mask(text)
    assert "139****0001" in masked
    assert "13900000001" not in masked and "201503051236" not in masked
    assert not contains_personal_data(masked)
    assert (
        mask("订单 2026112913 号、时间 16:00") == "订单 2026112913 号、时间 16:00"
    )  # 10 digits: not a mobile


def test_the_configured_handlers_mask_what_they_write(caplog):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "pick-up by %s", ("13812345678",), None)
    MaskPersonalData().filter(record)
    assert record.getMessage() == "pick-up by 138****5678"
    root = logging.getLogger()
    handlers = [h for h in root.handlers if h.__class__.__name__ == "StreamHandler"]
    assert all(any(isinstance(f, MaskPersonalData) for f in h.filters) for h in handlers)
