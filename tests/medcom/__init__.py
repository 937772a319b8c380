"""Tests of MedCom HospitalNotification parsing, mapping and acknowledgement."""
