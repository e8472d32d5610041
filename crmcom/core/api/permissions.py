from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsBusinessStaff(BasePermission):
    """Staff of a business; a platform admin (superuser without a business) may read everything."""

    message = "Sign in as a member of a business's staff."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.business_id is not None:
            return True
        return user.is_superuser and request.method in SAFE_METHODS
