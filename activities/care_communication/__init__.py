"""Outgoing MedCom CareCommunications: the FHIR Bundle, its delivery and the answers."""
