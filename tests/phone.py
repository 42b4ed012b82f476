"""Phone width (DESIGN: parents and teachers on phones): pages never scroll sideways at 375 px."""

PHONE_WIDTH = 375


def fits_the_phone(page, what: str = "") -> None:
    """Measured once the page has loaded: the DOM can be there before its stylesheets are applied,
    and an unstyled table is wider than a phone (seen under load in CI)."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, what or page.url


def open_main_menu(page) -> None:
    """Open the collapsed navbar once the page's scripts have run: before Bootstrap's handlers are
    attached, a tap on the menu or a dropdown does nothing (seen under load in CI)."""
    page.wait_for_load_state("load")
    page.get_by_role("button", name="菜单").click()
