"""note_formats: SOAP, DAP, process recording, registered in one place."""
