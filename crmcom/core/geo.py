from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class LatitudeField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.update(max_digits=9, decimal_places=6)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [MinValueValidator(-90), MaxValueValidator(90)])
        super().__init__(*args, **kwargs)


class LongitudeField(models.DecimalField):
    def __init__(self, *args, **kwargs):
        kwargs.update(max_digits=9, decimal_places=6)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [MinValueValidator(-180), MaxValueValidator(180)])
        super().__init__(*args, **kwargs)
