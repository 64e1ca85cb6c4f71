#!/usr/bin/env python3
"""Writes schemas/events/<type>.v1.schema.json for the domain events (JSON Schema 2020-12).

A shipped version is frozen: change an event by adding version 2 (and an upcaster), never by editing
version 1. Rerun only to add new types:  python3 ops/scripts/gen-event-schemas.py
"""
import json, pathlib

root = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "events"
root.mkdir(parents=True, exist_ok=True)

AMOUNT = r"^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$"
defs = {
    "dateTime": {"type": "string", "format": "date-time"},
    "money": {"type": "object", "required": ["currency", "amount"],
              "properties": {"currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "amount": {"type": "string", "pattern": AMOUNT}}},
    "extension": {"type": "object", "required": ["key", "value"],
                  "properties": {"key": {"type": "string"}, "value": {"type": "string"}}},
    "extensionList": {"type": "object", "required": ["extension"],
                      "properties": {"extension": {"type": "array", "items": {"$ref": "#/$defs/extension"}}}},
    "errorInformationObject": {"type": "object", "required": ["errorInformation"], "properties": {
        "errorInformation": {"type": "object", "required": ["errorCode", "errorDescription"], "properties": {
            "errorCode": {"type": "string", "pattern": "^[1-9][0-9]{3}$"}, "errorDescription": {"type": "string"},
            "extensionList": {"$ref": "#/$defs/extensionList"}}}}},
    "partyIdInfo": {"type": "object", "required": ["partyIdType", "partyIdentifier"], "properties": {
        "partyIdType": {"type": "string"}, "partyIdentifier": {"type": "string"}, "partySubIdOrType": {"type": "string"},
        "fspId": {"type": "string"}, "extensionList": {"$ref": "#/$defs/extensionList"}}},
    "party": {"type": "object", "required": ["partyIdInfo"], "properties": {
        "partyIdInfo": {"$ref": "#/$defs/partyIdInfo"}, "merchantClassificationCode": {"type": "string"},
        "name": {"type": "string"}, "personalInfo": {"type": "object"},
        "supportedCurrencies": {"type": "array", "items": {"type": "string"}}}},
    "transferParty": {"type": "object", "required": ["idType", "idValue"], "properties": {
        "type": {"type": "string"}, "idType": {"type": "string"}, "idValue": {"type": "string"}, "idSubValue": {"type": "string"},
        "displayName": {"type": "string"}, "firstName": {"type": "string"}, "middleName": {"type": "string"},
        "lastName": {"type": "string"}, "dateOfBirth": {"type": "string"}, "merchantClassificationCode": {"type": "string"},
        "fspId": {"type": "string"}, "supportedCurrencies": {"type": "array", "items": {"type": "string"}},
        "kycInformation": {"type": "string"}, "extensionList": {"type": "array", "items": {"$ref": "#/$defs/extension"}}}},
    "outboundTransferRequest": {"type": "object",
        "required": ["homeTransactionId", "from", "to", "amountType", "currency", "amount", "transactionType"],
        "properties": {"homeTransactionId": {"type": "string"}, "from": {"$ref": "#/$defs/transferParty"},
                       "to": {"$ref": "#/$defs/transferParty"}, "amountType": {"enum": ["SEND", "RECEIVE"]},
                       "currency": {"type": "string"}, "amount": {"type": "string", "pattern": AMOUNT},
                       "transactionType": {"type": "string"}, "subScenario": {"type": "string"}, "note": {"type": "string"},
                       "quoteRequestExtensions": {"type": "array", "items": {"$ref": "#/$defs/extension"}},
                       "transferRequestExtensions": {"type": "array", "items": {"$ref": "#/$defs/extension"}},
                       "skipPartyLookup": {"type": "boolean"}, "prepareExpirySeconds": {"type": "integer", "minimum": 1},
                       "quoteExpirySeconds": {"type": "integer", "minimum": 1}}},
    "quotesPostRequest": {"type": "object",
        "required": ["quoteId", "transactionId", "payee", "payer", "amountType", "amount", "transactionType"],
        "properties": {"quoteId": {"type": "string"}, "transactionId": {"type": "string"}, "payee": {"$ref": "#/$defs/party"},
                       "payer": {"$ref": "#/$defs/party"}, "amountType": {"enum": ["SEND", "RECEIVE"]},
                       "amount": {"$ref": "#/$defs/money"}, "transactionType": {"type": "object", "required": ["scenario", "initiator", "initiatorType"]},
                       "note": {"type": "string"}, "expiration": {"$ref": "#/$defs/dateTime"}, "extensionList": {"$ref": "#/$defs/extensionList"}}},
    "quotesIDPutResponse": {"type": "object", "required": ["transferAmount", "expiration", "ilpPacket", "condition"],
        "properties": {"transferAmount": {"$ref": "#/$defs/money"}, "payeeReceiveAmount": {"$ref": "#/$defs/money"},
                       "payeeFspFee": {"$ref": "#/$defs/money"}, "payeeFspCommission": {"$ref": "#/$defs/money"},
                       "expiration": {"$ref": "#/$defs/dateTime"}, "ilpPacket": {"type": "string"},
                       "condition": {"type": "string", "pattern": "^[A-Za-z0-9-_]{43}$"}, "extensionList": {"$ref": "#/$defs/extensionList"}}},
    "transfersPostRequest": {"type": "object",
        "required": ["transferId", "payeeFsp", "payerFsp", "amount", "ilpPacket", "condition", "expiration"],
        "properties": {"transferId": {"type": "string"}, "payeeFsp": {"type": "string"}, "payerFsp": {"type": "string"},
                       "amount": {"$ref": "#/$defs/money"}, "ilpPacket": {"type": "string"},
                       "condition": {"type": "string", "pattern": "^[A-Za-z0-9-_]{43}$"},
                       "expiration": {"$ref": "#/$defs/dateTime"}, "extensionList": {"$ref": "#/$defs/extensionList"}}},
    "transfersIDPutResponse": {"type": "object", "required": ["transferState"],
        "properties": {"fulfilment": {"type": "string", "pattern": "^[A-Za-z0-9-_]{43}$"}, "completedTimestamp": {"$ref": "#/$defs/dateTime"},
                       "transferState": {"enum": ["RECEIVED", "RESERVED", "COMMITTED", "ABORTED"]},
                       "extensionList": {"$ref": "#/$defs/extensionList"}}},
    "transfersIDPatchResponse": {"type": "object", "required": ["completedTimestamp", "transferState"],
        "properties": {"completedTimestamp": {"$ref": "#/$defs/dateTime"}, "transferState": {"enum": ["RESERVED", "COMMITTED", "ABORTED"]},
                       "extensionList": {"$ref": "#/$defs/extensionList"}}},
    "transferError": {"type": "object", "required": ["httpStatusCode"], "properties": {
        "httpStatusCode": {"type": "integer", "minimum": 100, "maximum": 599},
        "mojaloopError": {"$ref": "#/$defs/errorInformationObject"}}},
}

def ref(name): return {"$ref": f"#/$defs/{name}"}

events = {
    "transfer.outbound.requested": ("A core asked to pay (outbound POST /transfers).",
        {"request": ref("outboundTransferRequest"), "autoAcceptParty": {"type": "boolean"}, "autoAcceptQuote": {"type": "boolean"}}),
    "transfer.outbound.party-lookup-started": ("GET /parties sent for the payee; waits until the deadline.",
        {"partyIdInfo": ref("partyIdInfo"), "deadline": ref("dateTime")}),
    "transfer.outbound.party-resolved": ("PUT /parties answered with the payee.", {"party": ref("party")}),
    "transfer.outbound.party-accepted": ("The payee was accepted (by the core, or automatically).", {}),
    "transfer.outbound.quote-requested": ("POST /quotes sent; waits until the deadline.",
        {"quoteRequest": ref("quotesPostRequest"), "deadline": ref("dateTime")}),
    "transfer.outbound.quote-received": ("PUT /quotes answered, from the FSP named in source.",
        {"quoteResponse": ref("quotesIDPutResponse"), "source": {"type": "string", "minLength": 1}}),
    "transfer.outbound.quote-accepted": ("The quote was accepted (by the core, or automatically).", {}),
    "transfer.outbound.prepare-sent": ("POST /transfers sent; waits until the deadline.",
        {"prepare": ref("transfersPostRequest"), "deadline": ref("dateTime")}),
    "transfer.outbound.status-requested": ("The fulfil was late: GET /transfers/{id} sent to learn the outcome.",
        {"attempt": {"type": "integer", "minimum": 1}, "deadline": ref("dateTime")}),
    "transfer.outbound.fulfilled": ("The payee fulfilled; the transfer is complete.", {"fulfil": ref("transfersIDPutResponse")}),
    "transfer.outbound.aborted": ("The core or the payee declined.", {"reason": {"type": "string"}}),
    "transfer.outbound.failed": ("An error ended the transfer; lastError as the outbound API reports it.", {"lastError": ref("transferError")}),
    "transfer.inbound.quote-request-received": ("POST /quotes received from the payer FSP (source); the core is asked for its quote.",
        {"quoteRequest": ref("quotesPostRequest"), "source": {"type": "string", "minLength": 1}}),
    "transfer.inbound.quote-sent": ("PUT /quotes/{ID} sent with the ILP packet and condition (the fulfilment is never logged).",
        {"quoteResponse": ref("quotesIDPutResponse")}),
    "transfer.inbound.quote-rejected": ("PUT /quotes/{ID}/error sent.", {"error": ref("errorInformationObject")}),
    "transfer.inbound.prepare-accepted": ("POST /transfers matched its quote; the core is asked to credit.", {"prepare": ref("transfersPostRequest")}),
    "transfer.inbound.prepare-rejected": ("PUT /transfers/{ID}/error sent for a prepare that did not match or came too late.",
        {"prepare": ref("transfersPostRequest"), "error": ref("errorInformationObject")}),
    "transfer.inbound.fulfil-sent": ("PUT /transfers/{ID} sent with the fulfilment; a RESERVED fulfil waits for the PATCH until the deadline.",
        {"fulfil": ref("transfersIDPutResponse"), "homeTransactionId": {"type": "string"}, "deadline": ref("dateTime")}),
    "transfer.inbound.status-requested": ("The PATCH was late: GET /transfers/{ID} sent to the hub to learn the outcome.",
        {"attempt": {"type": "integer", "minimum": 1}, "deadline": ref("dateTime")}),
    "transfer.inbound.transfer-rejected": ("PUT /transfers/{ID}/error sent: the core refused.", {"error": ref("errorInformationObject")}),
    "transfer.inbound.outcome-notified": ("PATCH /transfers/{ID} received and passed to the core.", {"notification": ref("transfersIDPatchResponse")}),
    "party.lookup-started": ("GET /parties sent for a party; waits until the deadline.",
        {"partyIdInfo": ref("partyIdInfo"), "deadline": ref("dateTime")}),
    "party.lookup-joined": ("A transfer waits for the party's lookup.", {"transferId": {"type": "string", "minLength": 1}}),
    "party.resolved": ("PUT /parties answered; the party goes to every waiting transfer.",
        {"party": ref("party"), "transfers": {"type": "array", "items": {"type": "string"}}}),
    "party.lookup-failed": ("The lookup failed (error callback or timeout) for every waiting transfer.",
        {"error": ref("errorInformationObject"), "transfers": {"type": "array", "items": {"type": "string"}}}),
}

# The facts of pm.fspiop.inbound, pm.core.inbound and pm.fspiop.outbound (what arrived, before it is acted on).
defs["backendQuoteResponse"] = {"type": "object", "required": ["quoteId", "transactionId", "transferAmount", "transferAmountCurrency"],
    "properties": {"quoteId": {"type": "string"}, "transactionId": {"type": "string"}, "transferAmount": {"type": "string", "pattern": AMOUNT},
                   "transferAmountCurrency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "expiration": {"type": "string"}}}
defs["backendTransferResponse"] = {"type": "object", "required": ["homeTransactionId"], "properties": {
    "homeTransactionId": {"type": "string"}, "fulfilment": {"type": "string"}, "transferState": {"type": "string"},
    "completedTimestamp": {"type": "string"}}}
ID = {"type": "string", "minLength": 1}
REF = {"aggregate": {"enum": ["outbound", "inbound", "party"]}, "id": ID}
events.update({
    "fspiop.received": ("A request or callback from the hub that passed the inbound edge's checks (headers, JWS, schema), as received.",
        {"method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]}, "path": {"type": "string", "pattern": "^/"}, "source": ID,
         "destination": {"type": "string"}, "version": {"type": "string", "pattern": "^[0-9]+[.][0-9]+$"},
         "signature": {"type": "string"}, "body": {}}),
    "fspiop.rejected": ("A request from the hub that failed a check, and the FSPIOP error it was answered with.",
        {"method": {"type": "string"}, "path": {"type": "string"}, "source": {"type": "string"}, "error": ref("errorInformationObject")}),
    "core.transfer-requested": ("POST /transfers of the outbound API, with the transfer id given to it.",
        {"transferId": ID, "request": ref("outboundTransferRequest"), "autoAcceptParty": {"type": "boolean"}, "autoAcceptQuote": {"type": "boolean"}}),
    "core.transfer-decided": ("PUT /transfers/{ID} of the outbound API: the core accepts or rejects the party or the quote.",
        {"transferId": ID, "acceptParty": {"type": "boolean"}, "acceptQuote": {"type": "boolean"}}),
    "core.party-lookup-requested": ("GET /parties/{Type}/{ID} of the outbound API: a party lookup on its own.",
        {"requestId": ID, "party": ref("partyIdInfo")}),
    "core.quote-answered": ("The core's answer to backend POST /quoterequests.", {"transactionId": ID, "answer": ref("backendQuoteResponse")}),
    "core.quote-refused": ("The core refused to quote, or could not be reached.", {"transactionId": ID, "error": ref("errorInformationObject")}),
    "core.transfer-answered": ("The core's answer to backend POST /transfers.", {"transactionId": ID, "answer": ref("backendTransferResponse")}),
    "core.transfer-refused": ("The core refused the transfer, or could not be reached.", {"transactionId": ID, "error": ref("errorInformationObject")}),
    "timer.deadline-passed": ("A waiting aggregate's deadline passed.", dict(REF, at=ref("dateTime"))),
    "effect.hub-request-failed": ("A request to the hub failed after its retries.", dict(REF, error=ref("errorInformationObject"))),
    "effect.completed": ("A request to the hub or a notification to the core was carried out.",
        {"method": {"type": "string"}, "url": {"type": "string"}, "status": {"type": "integer"}, "error": {"type": "string"}}),
    "core.relay-requested": ("POST /quotes or POST /simpleTransfers of the outbound API: the core's own FSPIOP body, to relay to fspId.",
        {"resource": {"enum": ["quotes", "transfers"]}, "id": ID, "destination": ID, "body": {"type": "object"}}),
    "relayed.sent": ("POST /quotes or POST /transfers sent to the hub with the core's body; waits for its callback until the deadline.",
        {"resource": {"enum": ["quotes", "transfers"]}, "id": ID, "destination": ID, "body": {"type": "object"}, "deadline": ref("dateTime")}),
    "relayed.answered": ("The callback of a relayed request came (a success, or an errorInformation object for /error).",
        {"body": {"type": "object"}, "source": ID}),
    "relayed.failed": ("A relayed request got no callback: the hub refused it, or the deadline passed.", {"error": ref("errorInformationObject")}),
})

# Requests to pay, both sides.
defs["requestToPayRequest"] = {"type": "object",
    "required": ["homeR2PTransactionId", "from", "to", "amountType", "currency", "amount", "transactionType"],
    "properties": {"homeR2PTransactionId": {"type": "string"}, "from": {"$ref": "#/$defs/transferParty"},
                   "to": {"$ref": "#/$defs/transferParty"}, "amountType": {"enum": ["SEND", "RECEIVE"]},
                   "currency": {"type": "string"}, "amount": {"type": "string", "pattern": AMOUNT},
                   "transactionType": {"type": "string"}, "subScenario": {"type": "string"}, "authenticationType": {"type": "string"}}}
defs["transactionRequestsPostRequest"] = {"type": "object",
    "required": ["transactionRequestId", "payee", "payer", "amount", "transactionType"],
    "properties": {"transactionRequestId": {"type": "string"}, "payee": {"$ref": "#/$defs/party"}, "payer": {"$ref": "#/$defs/partyIdInfo"},
                   "amount": {"$ref": "#/$defs/money"}, "transactionType": {"type": "object", "required": ["scenario", "initiator", "initiatorType"]},
                   "note": {"type": "string"}, "geoCode": {"type": "object"}, "authenticationType": {"type": "string"},
                   "expiration": {"$ref": "#/$defs/dateTime"}, "extensionList": {"$ref": "#/$defs/extensionList"}}}
defs["transactionRequestsIDPutResponse"] = {"type": "object", "required": ["transactionRequestState"],
    "properties": {"transactionId": {"type": "string"}, "transactionRequestState": {"enum": ["RECEIVED", "PENDING", "ACCEPTED", "REJECTED"]},
                   "extensionList": {"$ref": "#/$defs/extensionList"}}}
defs["transferError"] = {"type": "object", "required": ["httpStatusCode"],
    "properties": {"httpStatusCode": {"type": "integer"}, "mojaloopError": {"$ref": "#/$defs/errorInformationObject"}}}
defs["backendTransactionRequestResponse"] = {"type": "object", "required": ["transactionRequestState"],
    "properties": {"homeR2PTransactionId": {"type": "string"}, "transactionId": {"type": "string"}, "transactionRequestState": {"type": "string"}}}
events.update({
    "core.r2p-requested": ("POST /requestToPay of the outbound API, with the transaction request id given to it.",
        {"transactionRequestId": ID, "request": ref("requestToPayRequest"), "autoAcceptParty": {"type": "boolean"}}),
    "core.r2p-decided": ("PUT /requestToPay/{ID} of the outbound API: the core accepts or rejects the party asked to pay.",
        {"transactionRequestId": ID, "acceptParty": {"type": "boolean"}}),
    "core.transaction-request-answered": ("The core's answer to backend POST /transactionrequests.",
        {"transactionRequestId": ID, "answer": ref("backendTransactionRequestResponse")}),
    "core.transaction-request-refused": ("The core refused a request to pay, or could not be reached.",
        {"transactionRequestId": ID, "error": ref("errorInformationObject")}),
    "r2p.outbound.requested": ("A request to pay for this DFSP's customer, as the core asked for it.",
        {"request": ref("requestToPayRequest"), "autoAcceptParty": {"type": "boolean"}}),
    "r2p.outbound.party-lookup-started": ("The party asked to pay is looked up (sharing the lookup of transfers to that party).",
        {"partyIdInfo": ref("partyIdInfo")}),
    "r2p.outbound.party-resolved": ("PUT /parties answered for the party asked to pay.", {"party": ref("party")}),
    "r2p.outbound.party-accepted": ("The party asked to pay was accepted (by the core, or by AUTO_ACCEPT_R2P_PARTY).", {}),
    "r2p.outbound.transaction-request-sent": ("POST /transactionRequests sent to the payer's DFSP; waits for its answer until the deadline.",
        {"transactionRequest": ref("transactionRequestsPostRequest"), "destination": ID, "deadline": ref("dateTime")}),
    "r2p.outbound.answered": ("PUT /transactionRequests/{ID} came from the payer's DFSP.",
        {"response": ref("transactionRequestsIDPutResponse"), "source": ID}),
    "r2p.outbound.notified": ("A later PUT /transactionRequests/{ID} from the payer's DFSP, passed to the core.",
        {"response": ref("transactionRequestsIDPutResponse")}),
    "r2p.outbound.failed": ("The request to pay ended in an error.", {"lastError": ref("transferError")}),
    "r2p.inbound.received": ("POST /transactionRequests for one of this DFSP's customers; the core is asked.",
        {"transactionRequest": ref("transactionRequestsPostRequest"), "source": ID}),
    "r2p.inbound.answered": ("PUT /transactionRequests/{ID} sent with the core's answer.", {"response": ref("transactionRequestsIDPutResponse")}),
    "r2p.inbound.refused": ("PUT /transactionRequests/{ID}/error sent: the core refused.", {"error": ref("errorInformationObject")}),
    "r2p.inbound.answer-repeated": ("A resent POST /transactionRequests got the same answer again.", {}),
})

# Bulk quotes and bulk transfers another DFSP sends this one (FSPIOP v1.1 §6.9, §6.10), and the core's answers.
STR = {"type": "string"}
defs["individualQuote"] = {"type": "object", "required": ["quoteId", "transactionId", "payee", "amountType", "amount", "transactionType"],
    "properties": {"quoteId": STR, "transactionId": STR, "payee": ref("party"), "amountType": {"enum": ["SEND", "RECEIVE"]},
                   "amount": ref("money"), "fees": ref("money"), "transactionType": {"type": "object", "required": ["scenario", "initiator", "initiatorType"]},
                   "note": STR, "extensionList": ref("extensionList")}}
defs["bulkQuotesPostRequest"] = {"type": "object", "required": ["bulkQuoteId", "payer", "individualQuotes"],
    "properties": {"bulkQuoteId": STR, "payer": ref("party"), "geoCode": {"type": "object"}, "expiration": ref("dateTime"),
                   "individualQuotes": {"type": "array", "minItems": 1, "maxItems": 1000, "items": ref("individualQuote")},
                   "extensionList": ref("extensionList")}}
defs["individualQuoteResult"] = {"type": "object", "required": ["quoteId"],
    "properties": {"quoteId": STR, "payee": ref("party"), "transferAmount": ref("money"), "payeeReceiveAmount": ref("money"),
                   "payeeFspFee": ref("money"), "payeeFspCommission": ref("money"), "ilpPacket": STR,
                   "condition": {"type": "string", "pattern": "^[A-Za-z0-9-_]{43}$"},
                   "errorInformation": {"type": "object", "required": ["errorCode", "errorDescription"]}, "extensionList": ref("extensionList")}}
defs["bulkQuotesIDPutResponse"] = {"type": "object", "required": ["expiration"],
    "properties": {"individualQuoteResults": {"type": "array", "maxItems": 1000, "items": ref("individualQuoteResult")},
                   "expiration": ref("dateTime"), "extensionList": ref("extensionList")}}
defs["individualTransfer"] = {"type": "object", "required": ["transferId", "transferAmount", "ilpPacket", "condition"],
    "properties": {"transferId": STR, "transferAmount": ref("money"), "ilpPacket": STR,
                   "condition": {"type": "string", "pattern": "^[A-Za-z0-9-_]{43}$"}, "extensionList": ref("extensionList")}}
defs["bulkTransfersPostRequest"] = {"type": "object",
    "required": ["bulkTransferId", "bulkQuoteId", "payerFsp", "payeeFsp", "individualTransfers", "expiration"],
    "properties": {"bulkTransferId": STR, "bulkQuoteId": STR, "payerFsp": STR, "payeeFsp": STR,
                   "individualTransfers": {"type": "array", "minItems": 1, "maxItems": 1000, "items": ref("individualTransfer")},
                   "expiration": ref("dateTime"), "extensionList": ref("extensionList")}}
defs["individualTransferResult"] = {"type": "object", "required": ["transferId"],
    "properties": {"transferId": STR, "fulfilment": {"type": "string", "pattern": "^[A-Za-z0-9-_]{43}$"},
                   "errorInformation": {"type": "object", "required": ["errorCode", "errorDescription"]}, "extensionList": ref("extensionList")}}
defs["bulkTransfersIDPutResponse"] = {"type": "object", "required": ["bulkTransferState"],
    "properties": {"completedTimestamp": ref("dateTime"),
                   "individualTransferResults": {"type": "array", "maxItems": 1000, "items": ref("individualTransferResult")},
                   "bulkTransferState": {"enum": ["RECEIVED", "PENDING", "ACCEPTED", "PROCESSING", "COMPLETED", "REJECTED"]},
                   "extensionList": ref("extensionList")}}
defs["backendErrorResponse"] = {"type": "object", "properties": {"statusCode": STR, "message": STR}}
defs["backendBulkQuoteResponse"] = {"type": "object", "required": ["individualQuoteResults"],
    "properties": {"bulkQuoteId": STR, "expiration": STR, "individualQuoteResults": {"type": "array", "items": {
        "type": "object", "required": ["quoteId"], "properties": {
            "quoteId": STR, "transferAmount": STR, "transferAmountCurrency": STR, "payeeReceiveAmount": STR, "payeeReceiveAmountCurrency": STR,
            "payeeFspFeeAmount": STR, "payeeFspFeeAmountCurrency": STR, "payeeFspCommissionAmount": STR,
            "payeeFspCommissionAmountCurrency": STR, "errorResponse": ref("backendErrorResponse")}}}}}
defs["backendBulkTransferResponse"] = {"type": "object", "required": ["homeTransactionId"],
    "properties": {"bulkTransferId": STR, "homeTransactionId": STR, "individualTransferResults": {"type": "array", "items": {
        "type": "object", "required": ["transferId"], "properties": {"transferId": STR, "errorResponse": ref("backendErrorResponse")}}}}}
for kind, resource, request, response, backend, idName in (
        ("bulk-quote", "bulkQuotes", "bulkQuotesPostRequest", "bulkQuotesIDPutResponse", "backendBulkQuoteResponse", "bulkQuoteId"),
        ("bulk-transfer", "bulkTransfers", "bulkTransfersPostRequest", "bulkTransfersIDPutResponse", "backendBulkTransferResponse", "bulkTransferId")):
    events.update({
        f"{kind}.inbound.received": (f"POST /{resource} from another DFSP; the core is asked.", {"request": ref(request), "source": ID}),
        f"{kind}.inbound.answered": (f"PUT /{resource}/{{ID}} sent with the answer made from the core's.", {"response": ref(response)}),
        f"{kind}.inbound.refused": (f"PUT /{resource}/{{ID}}/error sent: the core refused, or the request cannot be carried out.",
                                    {"error": ref("errorInformationObject")}),
        f"{kind}.inbound.answer-repeated": (f"A resent POST /{resource} got the same answer again.", {}),
        f"core.{kind}-answered": (f"The core's answer to backend POST /{resource}.", {idName: ID, "answer": ref(backend)}),
        f"core.{kind}-refused": (f"The core refused backend POST /{resource}, or did not answer.", {idName: ID, "error": ref("errorInformationObject")}),
    })

events["processor.checkpoint"] = ("A restart of the processor of this group may fold the log from this time on: the first event of the "
                                   "oldest aggregate in memory when it was written.", {"group": ID, "foldFrom": ref("dateTime")})

# Paying a request to pay (outbound POST /requestToPayTransfer): the payer's transfer, with the OTP step.
defs["requestToPayTransferRequest"] = {"type": "object",
    "required": ["homeR2PTransactionId", "transactionRequestId", "from", "to", "amountType", "currency", "amount", "scenario",
                 "initiator", "initiatorType"],
    "properties": {"homeR2PTransactionId": {"type": "string"}, "transactionRequestId": {"type": "string"},
                   "from": ref("transferParty"), "to": ref("transferParty"), "amountType": {"enum": ["SEND", "RECEIVE"]},
                   "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "amount": {"type": "string", "pattern": AMOUNT},
                   "scenario": {"type": "string"}, "subScenario": {"type": "string"}, "initiator": {"enum": ["PAYER", "PAYEE"]},
                   "initiatorType": {"enum": ["CONSUMER", "AGENT", "BUSINESS", "DEVICE"]}, "note": {"type": "string"},
                   "authenticationType": {"enum": ["OTP", "QRCODE", "U2F"]}}}
defs["authorizationsIDGetQuery"] = {"type": "object", "required": ["authenticationType", "retriesLeft", "amount", "currency"],
    "properties": {"authenticationType": {"enum": ["OTP", "QRCODE", "U2F"]}, "retriesLeft": {"type": "string", "pattern": "^[1-9][0-9]*$"},
                   "amount": {"type": "string", "pattern": AMOUNT}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}}
defs["authorizationsIDPutResponse"] = {"type": "object", "required": ["responseType"],
    "properties": {"authenticationInfo": {"type": "object", "required": ["authentication", "authenticationValue"],
                                          "properties": {"authentication": {"enum": ["OTP", "QRCODE", "U2F"]}, "authenticationValue": {}}},
                   "responseType": {"enum": ["ENTERED", "REJECTED", "RESEND"]}}}
events.update({
    "core.r2p-transfer-requested": ("POST /requestToPayTransfer of the outbound API: the core pays a request to pay, under the transfer id given to it.",
        {"transferId": ID, "request": ref("requestToPayTransferRequest")}),
    "core.r2p-transfer-decided": ("PUT /requestToPayTransfer/{ID} of the outbound API: the core accepts or rejects the quote or the OTP.",
        {"transferId": ID, "acceptQuote": {"type": "boolean"}, "acceptOTP": {"type": "boolean"}}),
    "transfer.outbound.r2p-requested": ("A request to pay is to be paid; the party that asked is known (no lookup).",
        {"request": ref("requestToPayTransferRequest"), "autoAcceptQuote": {"type": "boolean"}}),
    "transfer.outbound.authorization-requested": ("GET /authorizations/{ID} sent to the DFSP that asked to be paid; waits until the deadline.",
        {"query": ref("authorizationsIDGetQuery"), "deadline": ref("dateTime")}),
    "transfer.outbound.authorization-received": ("PUT /authorizations/{ID} answered with what the customer entered.",
        {"authorizationResponse": ref("authorizationsIDPutResponse")}),
    "transfer.outbound.authorization-accepted": ("The OTP was accepted (by the core, or by AUTO_ACCEPT_R2P_DEVICE_OTP).", {}),
    "transfer.outbound.r2p-rejected": ("The request to pay was rejected (the quote or the OTP, by the core or the customer): "
                                       "PUT /transactionRequests/{ID} REJECTED sent; the transfer is aborted.", {"reason": {"type": "string"}}),
})

events["processor.fact-refused"] = ("A fact of the core the processor refused (pm.refusals): the aggregate it was for, the fact's type, "
                                     "and the FSPIOP error its caller was answered with.",
    {"aggregate": {"enum": ["outbound", "inbound", "party", "relayed", "requestToPay", "transactionRequest", "bulkQuote", "bulkTransfer"]},
     "id": ID, "fact": ID, "error": ref("errorInformationObject")})

# Version 2 of the facts that name an aggregate: relayed requests and requests to pay are aggregates
# too. Version 1 is a subset, read as it is (an identity upcaster).
REF2 = {"aggregate": {"enum": ["outbound", "inbound", "party", "relayed", "requestToPay", "transactionRequest"]}, "id": ID}
RESOURCES2 = {"enum": ["quotes", "transfers", "bulkQuotes", "bulkTransfers"]}
events_v2 = {
    "core.relay-requested": ("POST /quotes, /simpleTransfers, /bulkQuotes or /bulkTransfers of the outbound API: the FSPIOP body to relay "
                             "to fspId (the core's own, or made from the core's bulk request).",
        {"resource": RESOURCES2, "id": ID, "destination": ID, "body": {"type": "object"}}),
    "relayed.sent": ("POST /{resource} sent to the hub with the relayed body; waits for its callback until the deadline.",
        {"resource": RESOURCES2, "id": ID, "destination": ID, "body": {"type": "object"}, "deadline": ref("dateTime")}),
    "timer.deadline-passed": ("A waiting aggregate's deadline passed.", dict(REF2, at=ref("dateTime"))),
    "effect.hub-request-failed": ("A request to the hub failed after its retries.", dict(REF2, error=ref("errorInformationObject"))),
}

# Version 3: bulk quotes and bulk transfers are aggregates too. Earlier versions are subsets, read as they are.
REF3 = {"aggregate": {"enum": ["outbound", "inbound", "party", "relayed", "requestToPay", "transactionRequest", "bulkQuote", "bulkTransfer"]}, "id": ID}
events_v3 = {
    "timer.deadline-passed": ("A waiting aggregate's deadline passed.", dict(REF3, at=ref("dateTime"))),
    "effect.hub-request-failed": ("A request to the hub failed after its retries.", dict(REF3, error=ref("errorInformationObject"))),
}

optional = {"transfer.inbound.fulfil-sent": {"homeTransactionId", "deadline"},
            "fspiop.received": {"destination", "signature", "body"}, "fspiop.rejected": {"source"},
            "core.transfer-requested": {"autoAcceptParty", "autoAcceptQuote"}, "core.transfer-decided": {"acceptParty", "acceptQuote"},
            "effect.completed": {"status", "error"}, "core.r2p-requested": {"autoAcceptParty"},
            "core.r2p-transfer-decided": {"acceptQuote", "acceptOTP"}}

written = 0
for version, table in ((1, events), (2, events_v2), (3, events_v3)):
    for name, (description, properties) in table.items():
        used = set()
        def collect(node):
            if isinstance(node, dict):
                if "$ref" in node: used.add(node["$ref"].split("/")[-1])
                for v in node.values(): collect(v)
            elif isinstance(node, list):
                for v in node: collect(v)
        collect(properties)
        changed = True
        while changed:
            before = len(used)
            for d in list(used): collect(defs[d])
            changed = len(used) != before
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"https://payment-manager.invalid/schemas/events/{name}.v{version}.schema.json",
                  "title": f"{name}, version {version}", "description": description,
                  "type": "object", "required": sorted(set(properties.keys()) - optional.get(name, set())), "additionalProperties": False,
                  "properties": properties}
        if used: schema["$defs"] = {d: defs[d] for d in sorted(used)}
        path = root / f"{name}.v{version}.schema.json"
        if path.exists():
            continue  # shipped versions are frozen
        path.write_text(json.dumps(schema, indent=2) + "\n")
        written += 1
print(f"wrote {written} new schemas to {root} ({len(events)} event types, {len(events_v2)} at version 2, {len(events_v3)} at version 3)")
