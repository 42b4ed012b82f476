from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _


class NoticeAcceptForm(forms.Form):
    accept = forms.BooleanField(label=_("I have read the privacy notice and agree to it."), required=True)
    keep_sensitive = forms.BooleanField(
        label=_(
            "I keep my separate consent to the priority-group data (left-behind, low income, disability)."
        ),
        help_text=_("Untick to withdraw it: the school then deletes that data for your children."),
        required=False,
        initial=True,
    )

    def __init__(self, *args, has_sensitive: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_sensitive:
            del self.fields["keep_sensitive"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Agree and continue"), css_class="w-100"))
