"""`/api/v1/queues/` (API.md "Orders"): queues with their stages, written through orders.services.queues.

`stages`, when sent, is the queue's whole new list: a stage with an `id` is changed in place, one without
is added, and the stages left out are deleted (refused, 400, while orders are in them or in their history).
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.serializers import BusinessScopedModelSerializer, money_string
from crmcom.core.api.views import BusinessScopedViewSet
from crmcom.core.money import round_money
from orders.fields import STAGE_RULE_FIELDS
from orders.models import Queue, Stage
from orders.services.queues import delete_queue, save_queue, set_default_queue

STAGE_FIELDS = ["id", "name", "position", *STAGE_RULE_FIELDS]


class StageSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="An existing stage of this queue; leave out for a new one.")

    class Meta:
        model = Stage
        fields = STAGE_FIELDS
        # The queue checks positions, names and the single PoNR over the whole list (the service).
        validators = []
        extra_kwargs = {"position": {"validators": []}, "name": {"validators": []}}


class QueueSerializer(BusinessScopedModelSerializer):
    stages = StageSerializer(many=True, required=False)

    class Meta:
        model = Queue
        fields = ["id", "name", "is_default", "invoicing_model", "is_device_plan", "stages"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        currency = instance.business.currency
        for stage in data["stages"]:  # an amount milestone is in the orders' currency, shown to its minor unit
            if stage["milestone_amount"] is not None:
                stage["milestone_amount"] = money_string(round_money(stage["milestone_amount"], currency), currency)
        return data


class QueueViewSet(BusinessScopedViewSet):
    queryset = Queue.objects.select_related("business").prefetch_related("stages")
    serializer_class = QueueSerializer
    filterset_fields = ["is_default", "invoicing_model", "is_device_plan"]
    search_fields = ["name", "stages__name"]
    ordering_fields = ["name", "id"]

    def save_object(self, queue: Queue, validated_data: dict) -> Queue:
        data = dict(validated_data)
        rows = data.pop("stages", None)
        for field, value in data.items():
            setattr(queue, field, value)
        stages = None if rows is None else stage_rows(queue, rows)
        return save_queue(business=self.business, queue=queue, stages=stages)

    def perform_destroy(self, instance: Queue) -> None:
        delete_queue(queue=instance)

    @extend_schema(request=None, responses=QueueSerializer)
    @action(detail=True, methods=["post"], url_path="make-default")
    def make_default(self, request, pk=None):
        """Make this the business's default queue (new orders go there); the previous default stops being one."""
        queue = set_default_queue(queue=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=queue.pk)).data, status=status.HTTP_200_OK)


def stage_rows(queue: Queue, rows: list[dict]) -> list[Stage]:
    """Stage instances for the service: the queue's own stages by `id` (changed), new ones without."""
    existing = {stage.pk: stage for stage in queue.stages.all()} if queue.pk else {}
    stages, unknown = [], []
    for index, row in enumerate(rows, start=1):
        row = dict(row)
        pk = row.pop("id", None)
        if pk is None:
            stages.append(Stage(**row))
            continue
        if pk not in existing:
            unknown.append(f"#{index} id: {pk} is not a stage of this queue.")
            continue
        stage = existing[pk]
        for field, value in row.items():
            setattr(stage, field, value)
        stages.append(stage)
    if unknown:
        raise ValidationError({"stages": unknown})
    return stages
