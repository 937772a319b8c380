"""How MedCom messages leave: a port (`MedcomTransport`) and its adapters."""
