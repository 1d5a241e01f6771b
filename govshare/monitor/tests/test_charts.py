"""The report's charts measure Chinese with a CJK font (R17): matplotlib learns one installed
after it cached its font list."""

from matplotlib import font_manager

from govshare.monitor import charts


def test_r17_charts_learn_a_cjk_font_installed_after_the_font_cache(monkeypatch):
    cjk_files = {font.fname for font in font_manager.fontManager.ttflist
                 if font.name in charts.FONTS[:-1]}
    assert cjk_files, "the tests need a CJK font (fonts-noto-cjk)"
    cached_before_the_font = [font for font in font_manager.fontManager.ttflist
                              if font.fname not in cjk_files]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", cached_before_the_font)
    charts._learn_fonts_installed_since_the_cache()
    known = {font.name for font in font_manager.fontManager.ttflist}
    assert known.intersection(charts.FONTS[:-1]), "no CJK font learnt from the system"
