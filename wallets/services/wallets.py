from wallets.models import Wallet


def open_wallet(*, contact) -> Wallet:
    return Wallet.objects.create(business_id=contact.business_id, contact=contact)
