"""F14: the region chain has one home: Region.chain_codes (top down) and access.bureau_regions_of
(the regions whose bureau a user serves in)."""

from schools import access
from schools.models import Region, User, path_codes


def test_a_regions_chain_reads_top_down(demo):
    s1 = demo.school("s1")
    assert s1.region.chain_codes == path_codes(s1.region.report_path)
    assert s1.region.chain_codes[-1] == s1.region.code
    assert s1.region.chain_codes == ["41", "4101", "410102"]
    assert path_codes("/41/") == ["41"]


def test_a_users_bureau_regions_are_their_own_not_those_under_them(demo):
    zz = access.bureau_regions_of(demo.user("zz_bureau"))
    assert [r.code for r in zz] == ["4101"]
    assert not access.bureau_regions_of(demo.user("s1_admin")).exists()
    root = User.objects.create_superuser("f14root", password="x")
    assert access.bureau_regions_of(root).count() == Region.objects.count()
