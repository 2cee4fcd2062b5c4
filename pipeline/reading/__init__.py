"""Reading a page: templates, identification, registration, the OCR engine, zones and their cleanup, fields."""
