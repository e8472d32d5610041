from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from contacts.api.serializers import ContactSerializer, OrganisationSerializer, SignupResultSerializer, SignupSerializer
from contacts.models import Contact, ContactAddress, ContactEmail, ContactPhone, Organisation
from contacts.services.contacts import create_contact, delete_contact, update_contact
from contacts.services.organisations import delete_organisation, save_organisation
from contacts.services.signup import signup_business
from crmcom.core.api.views import BusinessScopedViewSet


class SignupView(APIView):
    """Anonymous: create a business, its warehouse and defaults, and its owner; answers the owner's token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(request=SignupSerializer, responses={201: SignupResultSerializer})
    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        signed_up = signup_business(
            business_name=data["business_name"],
            currency=data["currency"],
            username=data["username"],
            password=data["password"],
            email=data["email"],
        )
        token, _ = Token.objects.get_or_create(user=signed_up.owner)
        result = {"business": signed_up.business, "warehouse": signed_up.warehouse, "token": token.key}
        return Response(SignupResultSerializer(result).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """Exchange a staff member's username and password for their API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        username, password = request.data.get("username"), request.data.get("password")
        errors = {
            field: ["This field is required."] for field in ("username", "password") if not request.data.get(field)
        }
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        user = authenticate(request, username=username, password=password)
        if user is None or user.business_id is None and not user.is_superuser:
            return Response({"detail": "Unable to sign in with these credentials."}, status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class OrganisationViewSet(BusinessScopedViewSet):
    queryset = Organisation.objects.all()
    serializer_class = OrganisationSerializer
    filterset_fields = ["kind"]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def write(self, instance):
        return save_organisation(business=self.business, organisation=instance)

    def perform_destroy(self, instance):
        delete_organisation(organisation=instance)


class ContactViewSet(BusinessScopedViewSet):
    queryset = Contact.objects.select_related("account", "wallet").prefetch_related("emails", "phones", "addresses")
    serializer_class = ContactSerializer
    filterset_fields = {"kind": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["first_name", "last_name", "company_name", "emails__email", "phones__number"]
    ordering_fields = ["last_name", "company_name", "created_at", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        email, phone = data.pop("email", ""), data.pop("phone", "")
        addresses = [ContactAddress(**address) for address in data.pop("addresses", [])]
        serializer.instance = create_contact(
            business=self.business,
            contact=Contact(**data),
            emails=[ContactEmail(email=email)] if email else [],
            phones=[ContactPhone(number=phone)] if phone else [],
            addresses=addresses,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        email, phone, addresses = data.pop("email", None), data.pop("phone", None), data.pop("addresses", None)
        serializer.instance = update_contact(
            contact=serializer.instance,
            fields=data,
            primary_email=email,
            primary_phone=phone,
            addresses=None if addresses is None else [ContactAddress(**address) for address in addresses],
        )

    def perform_destroy(self, instance):
        delete_contact(contact=instance)
