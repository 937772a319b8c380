"""The HTTP side: JSON API, MedCom endpoint and the server-rendered pages."""
