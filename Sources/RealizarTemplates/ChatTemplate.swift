// The Jinja chat-template engine lives here.
