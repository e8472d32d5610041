"""A django-fsm key field that reads as its related object.

django-fsm's FSMKeyField reads as the key (`order.stage` would be an int) and its `protected` flag never
fires (it looks for the field's name in `__dict__`, where the key sits under its attname). This one reads
as the Stage, takes a Stage or a key when the row is made, and refuses any later direct assignment:
only transitions move it.
"""

from django.db import models
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django_fsm import FSMFieldDescriptor, FSMKeyField


class ProtectedRelatedStateDescriptor(FSMFieldDescriptor):
    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        key = self.field.get_state(instance)
        if key is None:
            return None
        cached = self.field.get_cached_value(instance, default=None)
        if cached is None or cached.pk != key:
            cached = self.field.remote_field.model._base_manager.get(pk=key)
            self.field.set_cached_value(instance, cached)
        return cached

    def __set__(self, instance, value) -> None:
        if self.field.protected and instance.__dict__.get(self.field.attname) is not None:
            raise AttributeError(f"Direct {self.field.name} modification is not allowed")
        if isinstance(value, models.Model):
            self.field.set_cached_value(instance, value)
            value = value.pk
        self.field.set_state(instance, value)


class FSMRelatedField(FSMKeyField):
    descriptor_class = ProtectedRelatedStateDescriptor

    def contribute_to_class(self, cls, name, *args, **kwargs) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        # Django put `descriptor_class` on the attname too: the key (`stage_id`) must stay a plain key.
        setattr(cls, self.attname, ForeignKeyDeferredAttribute(self))
